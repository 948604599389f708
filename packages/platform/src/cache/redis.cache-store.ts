import { randomBytes } from 'node:crypto';
import { Cluster, type Result } from 'ioredis';
import type { CacheEntry, CacheStore } from '../ports.ts';
import { closeRedis, type RedisConnection } from './redis-client.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    graminstaCacheFill(
      entryKey: string,
      leaseKey: string,
      token: string,
      entry: string,
      ttlSeconds: number,
    ): Result<number, Context>;
    graminstaCacheRenew(leaseKey: string, token: string, ms: number): Result<number, Context>;
  }
}

// One script, so nothing can come between checking the lease and storing the entry.
const FILL = `
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  redis.call('DEL', KEYS[2])
  return 1
end
return 0`;

// Extends the lease only for the token that holds it.
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

export interface RedisCacheStoreOptions {
  redis: RedisConnection;
  /** Put before every key (`graminsta:cache:`), so tests and deployments sharing a server never collide. */
  prefix?: string;
  /** Quit the connection on close (default true). */
  closeConnection?: boolean;
}

/**
 * The cache store shared by every process (stage 6). An entry lives under `<prefix>{<key>}` and its
 * lease under `<prefix>{<key>}:lease`: the braces are a Cluster hash tag, so both sit in one slot
 * and the fill script may touch both.
 */
export class RedisCacheStore implements CacheStore {
  private readonly redis: RedisConnection;
  private readonly prefix: string;

  constructor(private readonly opts: RedisCacheStoreOptions) {
    this.redis = opts.redis;
    this.prefix = opts.prefix ?? 'graminsta:cache:';
    if (/[{}]/.test(this.prefix)) throw new Error('a cache key prefix may not contain braces');
    this.redis.defineCommand('graminstaCacheFill', { numberOfKeys: 2, lua: FILL });
    this.redis.defineCommand('graminstaCacheRenew', { numberOfKeys: 1, lua: RENEW });
  }

  async getMany(keys: readonly string[]): Promise<Array<CacheEntry | null>> {
    if (keys.length === 0) return [];
    const names = keys.map((key) => this.entryKey(key));
    // A Cluster refuses MGET across slots; its auto-pipelining batches the GETs per node instead.
    const texts =
      this.redis instanceof Cluster || names.length === 1
        ? await Promise.all(names.map((name) => this.redis.get(name)))
        : await this.redis.mget(...names);
    return texts.map((text) => (text === null ? null : parseEntry(text)));
  }

  async lease(key: string, ms: number): Promise<string | null> {
    const token = randomBytes(12).toString('base64url');
    const ok = await this.redis.set(this.leaseKey(key), token, 'PX', Math.max(1, Math.ceil(ms)), 'NX');
    return ok === 'OK' ? token : null;
  }

  async fill(key: string, token: string, entry: CacheEntry, ttlSeconds: number): Promise<boolean> {
    const stored = await this.redis.graminstaCacheFill(
      this.entryKey(key),
      this.leaseKey(key),
      token,
      JSON.stringify(entry),
      Math.max(1, Math.ceil(ttlSeconds)),
    );
    return stored === 1;
  }

  async renew(key: string, token: string, ms: number): Promise<boolean> {
    const renewed = await this.redis.graminstaCacheRenew(
      this.leaseKey(key),
      token,
      Math.max(1, Math.ceil(ms)),
    );
    return renewed === 1;
  }

  async delete(keys: readonly string[]): Promise<void> {
    // Entry and lease share a slot, so one DEL per key is valid on a Cluster too.
    await Promise.all(keys.map((key) => this.redis.del(this.entryKey(key), this.leaseKey(key))));
  }

  async close(): Promise<void> {
    if (this.opts.closeConnection ?? true) await closeRedis(this.redis);
  }

  private entryKey(key: string): string {
    if (key === '') throw new Error('a cache key may not be empty');
    return `${this.prefix}{${key}}`;
  }

  private leaseKey(key: string): string {
    return `${this.entryKey(key)}:lease`;
  }
}

function parseEntry(text: string): CacheEntry | null {
  try {
    const entry = JSON.parse(text) as Partial<CacheEntry>;
    return typeof entry.freshUntil === 'number' && 'value' in entry
      ? { value: entry.value ?? null, freshUntil: entry.freshUntil }
      : null;
  } catch {
    return null; // not ours, or damaged: a miss
  }
}
