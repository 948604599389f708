import { LRUCache } from 'lru-cache';
import type { RedisConnection } from '../cache/redis-client.ts';

/** The reader name of a signed-in user (a session token handed out has its own). */
export const userReader = (userId: string) => `u:${userId}`;

/**
 * Each reader's required WAL position (the primary's position after their last write), kept for a
 * little longer than the replica lag cut-off: after that any usable replica has replayed it.
 * In this process's memory (a bounded LRU), and in Redis when there is one, so the next request
 * of the same user served by another API process finds it too.
 */
export class WalPositions {
  private readonly local: LRUCache<string, bigint>;
  private readonly ttlMs: number;

  constructor(
    private readonly opts: {
      maxLagMs: number;
      redis?: RedisConnection;
      /** Readers remembered in memory. */
      max?: number;
      prefix?: string;
      onError?: (err: unknown) => void;
    },
  ) {
    // Somewhat above the cut-off: a replica within it has replayed anything older.
    this.ttlMs = opts.maxLagMs * 2 + 5_000;
    this.local = new LRUCache({ max: opts.max ?? 50_000, ttl: this.ttlMs });
  }

  private key(reader: string): string {
    return `${this.opts.prefix ?? 'graminsta:wal:'}${reader}`;
  }

  /** Raises `readers`' required position to `position` (never lowers it). */
  async record(readers: readonly string[], position: bigint): Promise<void> {
    for (const reader of readers) {
      const had = this.local.get(reader);
      if (had === undefined || had < position) this.local.set(reader, position);
    }
    const redis = this.opts.redis;
    if (!redis) return;
    // Fixed-width hex compares as text in the script: only ever raised, atomically.
    const hex = position.toString(16).padStart(16, '0');
    await Promise.all(
      readers.map((reader) =>
        redis
          .eval(RAISE, 1, this.key(reader), hex, String(this.ttlMs))
          .catch((err: unknown) => this.opts.onError?.(err)),
      ),
    );
  }

  /** The highest required position of `readers`, or null when none wrote lately. */
  async lookup(readers: readonly string[]): Promise<bigint | null> {
    let best: bigint | null = null;
    const raise = (p: bigint | undefined | null) => {
      if (p !== undefined && p !== null && (best === null || p > best)) best = p;
    };
    for (const reader of readers) raise(this.local.get(reader));
    const redis = this.opts.redis;
    if (redis && readers.length > 0) {
      try {
        // One GET each (a Redis Cluster refuses an MGET across slots).
        const found = await Promise.all(readers.map((r) => redis.get(this.key(r))));
        for (const hex of found) if (hex && /^[0-9a-f]{16}$/.test(hex)) raise(BigInt(`0x${hex}`));
      } catch (err) {
        // Redis is down: this process's memory is what is left (a stale read at worst).
        this.opts.onError?.(err);
      }
    }
    return best;
  }
}

const RAISE = `
local had = redis.call('GET', KEYS[1])
if (not had) or had < ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1`;
