import type { RedisConnection } from '@graminsta/platform';

/**
 * Who has a live socket now: the realtime processes say whom they hold, the post fan-out asks
 * which followers are online (only those get a `post.new`).
 */
export interface Presence {
  /** A socket of `userId` is open here; call the returned function once when it closes. */
  hold(userId: string): () => void;
  /** The ids among `userIds` that are online (in the order given). */
  online(userIds: readonly string[]): Promise<string[]>;
  close(): Promise<void>;
}

/** Counts per user of the sockets this process holds (shared by the two presence kinds below). */
class HeldUsers {
  readonly counts = new Map<string, number>();

  /** Returns whether this is the user's first socket here, and the release. */
  hold(userId: string): { first: boolean; release: () => void } {
    const held = this.counts.get(userId) ?? 0;
    this.counts.set(userId, held + 1);
    let released = false;
    return {
      first: held === 0,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.counts.get(userId) ?? 1) - 1;
        if (left > 0) this.counts.set(userId, left);
        else this.counts.delete(userId);
      },
    };
  }
}

/** Stage 1: the sockets and the fan-out share one process, so its own count is the truth. */
export class MemoryPresence implements Presence {
  private readonly held = new HeldUsers();

  hold(userId: string): () => void {
    return this.held.hold(userId).release;
  }

  async online(userIds: readonly string[]): Promise<string[]> {
    return userIds.filter((id) => this.held.counts.has(id));
  }

  async close(): Promise<void> {}
}

/**
 * Stages 2–5 without Redis: sockets live in other processes and nothing shared says whom they
 * hold, so every follower counts as online (the event is kept for them either way).
 */
export const everyoneOnline: Presence = {
  hold: () => () => {},
  online: async (userIds) => [...userIds],
  close: async () => {},
};

export interface RedisPresenceOptions {
  redis: RedisConnection;
  /** The sorted set: member user id, score the time (ms) its presence expires. */
  key?: string;
  /** How long one refresh keeps a user online if its process dies without saying so. */
  ttlMs?: number;
  /** How often this process refreshes the users it holds (one timer for all of them). */
  refreshMs?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
}

/** Members per ZADD / ZMSCORE: bounds one command's size. */
const CHUNK = 1000;

/**
 * Stage 6: one Redis sorted set for every realtime process. Each process refreshes the expiry of
 * the users it holds on one shared timer (ZADD GT: a later expiry set by another process stays);
 * a user whose last socket closed drops out when the expiry passes, at most `ttlMs` later. The
 * fan-out asks ZMSCORE for a batch of followers at once.
 */
export class RedisPresence implements Presence {
  private readonly held = new HeldUsers();
  private readonly key: string;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly opts: RedisPresenceOptions) {
    this.key = opts.key ?? 'graminsta:presence';
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.now = opts.now ?? Date.now;
    this.timer = setInterval(() => void this.refresh(), opts.refreshMs ?? 20_000);
    this.timer.unref();
  }

  hold(userId: string): () => void {
    const { first, release } = this.held.hold(userId);
    if (first) void this.mark([userId]);
    return release;
  }

  async online(userIds: readonly string[]): Promise<string[]> {
    const now = this.now();
    const online: string[] = [];
    for (let i = 0; i < userIds.length; i += CHUNK) {
      const chunk = userIds.slice(i, i + CHUNK);
      const scores = await this.opts.redis.zmscore(this.key, ...chunk);
      chunk.forEach((id, n) => {
        const score = scores[n];
        if (score !== null && score !== undefined && Number(score) > now) online.push(id);
      });
    }
    return online;
  }

  /** Marks every held user again and drops expired members; failures are reported, never thrown. */
  async refresh(): Promise<void> {
    await this.mark([...this.held.counts.keys()]);
    await this.opts.redis
      .zremrangebyscore(this.key, '-inf', this.now())
      .then(() => undefined)
      .catch((err: unknown) => this.opts.onError?.(err));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }

  private async mark(userIds: string[]): Promise<void> {
    const expires = this.now() + this.ttlMs;
    try {
      for (let i = 0; i < userIds.length; i += CHUNK) {
        const args = userIds.slice(i, i + CHUNK).flatMap((id) => [expires, id]);
        await this.opts.redis.zadd(this.key, 'GT', ...args);
      }
    } catch (err) {
      this.opts.onError?.(err);
    }
  }
}
