import { afterEach, describe, expect, it, vi } from 'vitest';
import { RedisCacheStore } from './redis.cache-store.ts';
import { openRedis, whenReady } from './redis-client.ts';
import { ReadThroughCache } from './read-through.cache.ts';
import { OwnRedis, type OwnRedisOptions } from './testing/redis-server.ts';
import { Outcomes, Source } from './testing/source.ts';
import { uniquePrefix } from './testing/redis.ts';

// Each test kills and restarts a redis-server of its own; the shared one is never touched.
const RECOVERY = { timeout: 20_000, interval: 50 };

describe('ReadThroughCache when Redis dies', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function setUp(opts: OwnRedisOptions = {}) {
    const server = await OwnRedis.start(opts);
    cleanup.push(() => server.stop());
    const redis = openRedis({ url: server.url, onError: () => {} });
    await whenReady(redis);
    const outcomes = new Outcomes();
    const ups: boolean[] = [];
    const cache = new ReadThroughCache({
      store: new RedisCacheStore({ redis, prefix: uniquePrefix('outage') }),
      ttlSeconds: 30,
      circuitOpenMs: 100,
      onOutcome: outcomes.record,
      onStoreUp: (up) => ups.push(up),
    });
    cleanup.push(() => cache.close());
    return { server, cache, outcomes, ups, source: new Source() };
  }

  it('serves every read from the database while it is down (single-flighted), and hits resume once it is back', async () => {
    const { server, cache, outcomes, ups, source } = await setUp();
    source.values.set('user:1', { name: 'v1' });
    await cache.read('user:1', source.load('user:1'));
    await cache.read('user:1', source.load('user:1'));
    expect(outcomes.counts).toEqual({ miss: 1, hit: 1 });

    await server.kill();
    source.delayMs = 20;
    const loadsBefore = source.loads;
    for (let round = 0; round < 5; round++) {
      const results = await Promise.allSettled(
        Array.from({ length: 200 }, () => cache.read('user:1', source.load('user:1'))),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      expect(
        results.every((r) => r.status === 'fulfilled' && JSON.stringify(r.value) === '{"name":"v1"}'),
      ).toBe(true);
    }
    // One load per round of 200 concurrent reads: the database is still shielded.
    expect(source.loads - loadsBefore).toBe(5);
    expect(outcomes.counts.fallback).toBe(1_000);
    await expect(cache.invalidate(['user:1'])).resolves.toBeUndefined();
    expect(cache.state().storeUp).toBe(false);
    expect(ups).toEqual([false]);

    await server.restart();
    await vi.waitFor(() => expect(cache.state().storeUp).toBe(true), RECOVERY);
    source.delayMs = 0;
    outcomes.reset();
    await cache.read('user:1', source.load('user:1'));
    await cache.read('user:1', source.load('user:1'));
    expect(outcomes.counts).toEqual({ miss: 1, hit: 1 });
    expect(ups).toEqual([false, true]);
  });

  it('fails no read of a steady load while Redis is killed and restarted', async () => {
    const { server, cache, outcomes, source } = await setUp();
    const keys = Array.from({ length: 20 }, (_, i) => `user:${i}`);
    for (const key of keys) source.values.set(key, key);
    let running = true;
    let failures = 0;
    let served = 0;
    const worker = async () => {
      for (let i = 0; running; i++) {
        const key = keys[i % keys.length]!;
        try {
          if ((await cache.read(key, source.load(key))) === key) served += 1;
        } catch {
          failures += 1;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const workers = Array.from({ length: 20 }, worker);
    await vi.waitFor(() => expect(outcomes.counts.hit).toBeGreaterThan(100), RECOVERY);
    await server.kill();
    await vi.waitFor(() => expect(outcomes.counts.fallback).toBeGreaterThan(100), RECOVERY);
    await server.restart();
    outcomes.reset();
    await vi.waitFor(() => expect(outcomes.counts.hit).toBeGreaterThan(100), RECOVERY);
    running = false;
    await Promise.all(workers);
    expect(failures).toBe(0);
    expect(served).toBeGreaterThan(300);
  });

  it('replays an invalidation made during the outage before the store is read again', async () => {
    // A persistent server keeps its entries across the kill, so a missed invalidation would show.
    const { server, cache, outcomes, source } = await setUp({ persistent: true });
    source.values.set('user:1', 'v1');
    source.values.set('user:2', 'kept');
    for (const key of ['user:1', 'user:2']) await cache.read(key, source.load(key));

    await server.kill();
    source.values.set('user:1', 'v2');
    await cache.invalidate(['user:1']);
    expect(cache.state().pendingInvalidations).toBe(1);
    expect(await cache.read('user:1', source.load('user:1'))).toBe('v2');

    await server.restart();
    await vi.waitFor(() => expect(cache.state().storeUp).toBe(true), RECOVERY);
    expect(cache.state().pendingInvalidations).toBe(0);
    outcomes.reset();
    // user:2 survived the restart (it is a hit), so user:1 would have too, had it not been replayed.
    expect(await cache.read('user:2', source.load('user:2'))).toBe('kept');
    expect(await cache.read('user:1', source.load('user:1'))).toBe('v2');
    expect(outcomes.counts).toEqual({ hit: 1, miss: 1 });
  });
});
