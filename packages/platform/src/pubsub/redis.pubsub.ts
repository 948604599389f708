import { Cluster } from 'ioredis';
import type { Json, PubSub, Unsubscribe } from '../ports.ts';
import {
  closeRedis,
  openRedis,
  whenReady,
  type RedisConnection,
  type RedisSettings,
} from '../cache/redis-client.ts';
import { deliverSafely } from './memory.pubsub.ts';

export interface RedisPubSubOptions {
  redis: RedisSettings;
  /** Put before every channel name, so deployments (and tests) sharing a server stay apart. */
  prefix?: string;
  onError?: (err: unknown) => void;
}

type Handler = (message: Json) => void;

/**
 * Pub/sub over Redis PUBLISH/SUBSCRIBE (stage 6). Publishing uses one connection; a second,
 * dedicated one subscribes (a subscribed connection takes no other commands). ioredis subscribes
 * that connection again after a reconnect (autoResubscribe), so an outage loses only the messages
 * sent while it lasted. On a Cluster it uses sharded pub/sub (SPUBLISH/SSUBSCRIBE): a channel
 * lives on the one shard its name hashes to, so its messages keep their order (a plain PUBLISH
 * goes to any node and is relayed over the cluster bus, where two messages can swap).
 */
export class RedisPubSub implements PubSub {
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly publisher: RedisConnection;
  private readonly subscriber: RedisConnection;
  private readonly prefix: string;
  private readonly sharded: boolean;
  private closed = false;

  constructor(private readonly opts: RedisPubSubOptions) {
    this.prefix = opts.prefix ?? 'graminsta:';
    const onError = (err: Error) => opts.onError?.(err);
    this.publisher = openRedis({ name: 'graminsta-publish', ...opts.redis, onError });
    this.subscriber = openRedis({
      name: 'graminsta-subscribe',
      ...opts.redis,
      shardedSubscribers: true,
      onError,
    });
    this.sharded = this.subscriber instanceof Cluster;
    this.subscriber.on(this.sharded ? 'smessage' : 'message', (channel: string, text: string) =>
      this.dispatch(channel, text),
    );
  }

  async publish(channel: string, message: Json): Promise<void> {
    if (this.closed) throw new Error('pubsub is closed');
    const text = JSON.stringify(message);
    if (this.sharded) await this.publisher.spublish(this.prefix + channel, text);
    else await this.publisher.publish(this.prefix + channel, text);
  }

  async subscribe(channel: string, handler: Handler): Promise<Unsubscribe> {
    if (this.closed) throw new Error('pubsub is closed');
    const entry: Handler = (message) => handler(message);
    let set = this.handlers.get(channel);
    const first = !set;
    if (!set) this.handlers.set(channel, (set = new Set()));
    set.add(entry);
    const unsubscribe = async () => {
      const current = this.handlers.get(channel);
      current?.delete(entry);
      if (current?.size !== 0) return;
      this.handlers.delete(channel);
      if (this.closed) return;
      const name = this.prefix + channel;
      await (this.sharded ? this.subscriber.sunsubscribe(name) : this.subscriber.unsubscribe(name)).catch(
        (err: unknown) => this.opts.onError?.(err),
      );
    };
    if (first) {
      try {
        // Just started (or reconnecting): wait a moment rather than fail at once.
        if (this.subscriber.status !== 'ready') await whenReady(this.subscriber);
        const name = this.prefix + channel;
        await (this.sharded ? this.subscriber.ssubscribe(name) : this.subscriber.subscribe(name));
      } catch (err) {
        await unsubscribe();
        throw err;
      }
    }
    return unsubscribe;
  }

  /** Whether both connections are ready within `timeoutMs` (they keep trying either way). */
  async ready(timeoutMs?: number): Promise<boolean> {
    const both = await Promise.all([
      whenReady(this.publisher, timeoutMs),
      whenReady(this.subscriber, timeoutMs),
    ]);
    return both.every(Boolean);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    await Promise.all([closeRedis(this.subscriber), closeRedis(this.publisher)]);
  }

  private dispatch(redisChannel: string, text: string): void {
    if (!redisChannel.startsWith(this.prefix)) return;
    const set = this.handlers.get(redisChannel.slice(this.prefix.length));
    if (!set) return;
    let message: Json;
    try {
      message = JSON.parse(text) as Json;
    } catch (err) {
      return this.opts.onError?.(err);
    }
    // Each handler gets its own copy, as with the other buses; a lone handler (the usual case: one
    // socket per user channel, one fan-out subscriber per process) gets the parsed object itself.
    if (set.size === 1) {
      for (const handler of set) deliverSafely(handler, message, (err) => this.opts.onError?.(err));
      return;
    }
    for (const handler of [...set])
      deliverSafely(handler, structuredClone(message), (err) => this.opts.onError?.(err));
  }
}
