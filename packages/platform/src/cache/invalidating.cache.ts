import { randomUUID } from 'node:crypto';
import type { Cache, Json, PubSub, Unsubscribe } from '../ports.ts';

export const CACHE_INVALIDATE_CHANNEL = 'cache.invalidate';

export interface InvalidatingCacheOptions {
  channel?: string;
  /** Told when an invalidation from another process could not be applied. */
  onError?: (err: unknown) => void;
}

interface Invalidation {
  origin: string;
  keys: string[];
}

/**
 * A process-local cache whose deletes reach every process: `delete` also broadcasts the keys,
 * and every other wrapper on the bus drops them. An in-process cache in several processes must
 * not show a user stale copies of their own writes.
 */
export class InvalidatingCache implements Cache {
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly subscribed: Promise<Unsubscribe | null>;

  constructor(
    private readonly local: Cache,
    private readonly pubsub: PubSub,
    private readonly opts: InvalidatingCacheOptions = {},
  ) {
    this.channel = opts.channel ?? CACHE_INVALIDATE_CHANNEL;
    this.subscribed = pubsub
      .subscribe(this.channel, (message) => this.onInvalidation(message))
      .catch((err: unknown) => {
        opts.onError?.(err);
        return null;
      });
  }

  /** Resolves once this wrapper hears other processes' invalidations. */
  async ready(): Promise<void> {
    if ((await this.subscribed) === null) throw new Error(`could not subscribe to ${this.channel}`);
  }

  get<T extends Json>(key: string): Promise<T | undefined> {
    return this.local.get<T>(key);
  }

  set(key: string, value: Json, ttlSeconds?: number): Promise<void> {
    return this.local.set(key, value, ttlSeconds);
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.local.delete(keys);
    const message: Invalidation = { origin: this.origin, keys };
    await this.pubsub.publish(this.channel, message as unknown as Json);
  }

  /** Closes the local cache; the pub/sub belongs to whoever made it. */
  async close(): Promise<void> {
    const unsubscribe = await this.subscribed;
    await unsubscribe?.();
    await this.local.close();
  }

  private onInvalidation(message: Json): void {
    const m = message as Partial<Invalidation> | null;
    if (!m || m.origin === this.origin || !Array.isArray(m.keys)) return;
    const keys = m.keys.filter((k): k is string => typeof k === 'string');
    this.local.delete(keys).catch((err: unknown) => this.opts.onError?.(err));
  }
}
