import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CacheStore, PubSub } from '../ports.ts';
import { MemoryPubSub } from '../pubsub/memory.pubsub.ts';
import { RedisPubSub } from '../pubsub/redis.pubsub.ts';
import { MemoryCacheStore } from './memory.cache-store.ts';
import { ReadThroughCache, type ReadThroughCacheOptions } from './read-through.cache.ts';
import { RedisCacheStore } from './redis.cache-store.ts';
import { Outcomes, Source } from './testing/source.ts';
import { readyRedis, testRedisSettings, uniquePrefix } from './testing/redis.ts';

const WAIT = { timeout: 5_000, interval: 10 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One "API process": its own Redis connections, sharing the store's prefix and the bus's with its peers. */
async function processCache(
  prefix: string,
  opts: Partial<ReadThroughCacheOptions> = {},
): Promise<{ cache: ReadThroughCache; outcomes: Outcomes; bus: PubSub | null }> {
  const outcomes = new Outcomes();
  const store: CacheStore = new RedisCacheStore({ redis: await readyRedis(), prefix });
  const bus = opts.pubsub === undefined ? null : opts.pubsub;
  const cache = new ReadThroughCache({ store, ttlSeconds: 30, onOutcome: outcomes.record, ...opts });
  await cache.listening;
  return { cache, outcomes, bus };
}

describe('ReadThroughCache', () => {
  const open: Array<{ close(): Promise<void> }> = [];
  const track = <T extends { close(): Promise<void> }>(it: T) => (open.push(it), it);
  afterEach(async () => {
    for (const it of open.splice(0).reverse()) await it.close();
  });

  describe.each(['memory', 'redis'] as const)('on the %s store', (kind) => {
    const make = async (opts: Partial<ReadThroughCacheOptions> = {}) => {
      const store =
        kind === 'memory'
          ? new MemoryCacheStore()
          : new RedisCacheStore({ redis: await readyRedis(), prefix: uniquePrefix('rt') });
      const outcomes = new Outcomes();
      const cache = track(
        new ReadThroughCache({ store, ttlSeconds: 30, onOutcome: outcomes.record, ...opts }),
      );
      return { cache, outcomes };
    };

    it('single-flight: 1,000 concurrent reads of a cold key run one load, and each caller gets its own copy', async () => {
      const { cache, outcomes } = await make();
      const source = new Source();
      source.values.set('user:1', { name: 'celebrity', tags: ['a'] });
      source.delayMs = 20;
      const reads = await Promise.all(
        Array.from({ length: 1_000 }, () => cache.read('user:1', source.load('user:1'))),
      );
      expect(source.loads).toBe(1);
      expect(reads.every((r) => JSON.stringify(r) === '{"name":"celebrity","tags":["a"]}')).toBe(true);
      (reads[0] as { tags: string[] }).tags.push('changed by one caller');
      expect(reads[1]).toEqual({ name: 'celebrity', tags: ['a'] });
      expect(outcomes.counts).toEqual({ miss: 1, coalesced: 999 });
      // Cached now: no further load, and the change made by a caller is not in the cache.
      expect(await cache.read('user:1', source.load('user:1'))).toEqual({ name: 'celebrity', tags: ['a'] });
      expect(source.loads).toBe(1);
    });

    it('read-your-own-writes: after invalidate resolves, the next read loads the new value', async () => {
      const { cache } = await make();
      const source = new Source();
      source.values.set('user:1', { bio: 'old' });
      expect(await cache.read('user:1', source.load('user:1'))).toEqual({ bio: 'old' });
      source.values.set('user:1', { bio: 'new' });
      await cache.invalidate(['user:1']);
      expect(await cache.read('user:1', source.load('user:1'))).toEqual({ bio: 'new' });
      expect(source.loads).toBe(2);
    });

    it('never puts back a value loaded before a write (a read in flight during the write)', async () => {
      const { cache } = await make();
      let row = 'old';
      let started!: () => void;
      const loadStarted = new Promise<void>((resolve) => (started = resolve));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const early = cache.read('photo:1', async () => {
        const value = { caption: row }; // the row as the query saw it
        started();
        await gate;
        return value;
      });
      await loadStarted;
      row = 'new';
      await cache.invalidate(['photo:1']);
      // Joins no flight that began before the write.
      expect(await cache.read('photo:1', async () => ({ caption: row }))).toEqual({ caption: 'new' });
      release();
      expect(await early).toEqual({ caption: 'old' });
      // The early read's fill came last, and was refused.
      expect(await cache.read('photo:1', async () => ({ caption: 'loaded again' }))).toEqual({
        caption: 'new',
      });
    });

    it('caches nothing from a failed load: every waiter gets the error, the next read loads again', async () => {
      const { cache } = await make();
      const source = new Source();
      source.values.set('k', 'v');
      source.failing = new Error('database down');
      source.delayMs = 10;
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => cache.read('k', source.load('k'))),
      );
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      expect(source.loads).toBe(1);
      source.failing = null;
      expect(await cache.read('k', source.load('k'))).toBe('v');
    });

    it('stale-while-revalidate: a stale entry is served at once and refreshed by one load', async () => {
      const { cache, outcomes } = await make({ ttlSeconds: 0.1, staleSeconds: 30, jitter: 0 });
      const source = new Source();
      source.values.set('user:1', 'v1');
      expect(await cache.read('user:1', source.load('user:1'))).toBe('v1');
      await sleep(150);
      source.values.set('user:1', 'v2');
      source.delayMs = 30;
      outcomes.reset();
      const reads = await Promise.all(
        Array.from({ length: 50 }, () => cache.read('user:1', source.load('user:1'))),
      );
      expect(new Set(reads)).toEqual(new Set(['v1']));
      expect(outcomes.counts.stale).toBeGreaterThan(0);
      await vi.waitFor(
        async () => expect(await cache.read('user:1', source.load('user:1'))).toBe('v2'),
        WAIT,
      );
      expect(source.loads).toBe(2);
    });
  });

  it('across processes: three caches × 300 concurrent reads of a cold key run exactly one load', async () => {
    const prefix = uniquePrefix('herd');
    const source = new Source();
    source.values.set('user:celebrity', { followers: 5_000 });
    source.delayMs = 50;
    const processes = await Promise.all([1, 2, 3].map(() => processCache(prefix)));
    for (const p of processes) track(p.cache);
    const reads = await Promise.all(
      processes.flatMap((p) =>
        Array.from({ length: 300 }, () => p.cache.read('user:celebrity', source.load('user:celebrity'))),
      ),
    );
    expect(reads).toHaveLength(900);
    expect(reads.every((r) => JSON.stringify(r) === '{"followers":5000}')).toBe(true);
    expect(source.loads).toBe(1);
    const misses = processes.map((p) => p.outcomes.counts.miss ?? 0);
    expect(misses.reduce((a, b) => a + b)).toBe(1);
  });

  it('across processes: a load slower than the lease still runs once (its holder renews the lease)', async () => {
    const prefix = uniquePrefix('slow-load');
    const source = new Source();
    source.values.set('user:celebrity', { followers: 5_000 });
    // Five leases long: without renewal, another process would take the lease over and load too.
    source.delayMs = 1_000;
    const processes = await Promise.all([1, 2, 3].map(() => processCache(prefix, { leaseMs: 200 })));
    for (const p of processes) track(p.cache);
    const reads = await Promise.all(
      processes.flatMap((p) =>
        Array.from({ length: 50 }, () => p.cache.read('user:celebrity', source.load('user:celebrity'))),
      ),
    );
    expect(reads.every((r) => JSON.stringify(r) === '{"followers":5000}')).toBe(true);
    expect(source.loads).toBe(1);
    expect(processes.map((p) => p.outcomes.counts.miss ?? 0).reduce((a, b) => a + b)).toBe(1);
  });

  it('across processes: a stale hot key is refreshed by one load in all three', async () => {
    const prefix = uniquePrefix('swr');
    const source = new Source();
    source.values.set('k', 'v1');
    const processes = await Promise.all(
      [1, 2, 3].map(() => processCache(prefix, { ttlSeconds: 0.1, staleSeconds: 30, jitter: 0 })),
    );
    for (const p of processes) track(p.cache);
    await processes[0]!.cache.read('k', source.load('k'));
    await sleep(150);
    source.values.set('k', 'v2');
    source.delayMs = 50;
    await Promise.all(
      processes.flatMap((p) => Array.from({ length: 100 }, () => p.cache.read('k', source.load('k')))),
    );
    for (const p of processes) {
      await vi.waitFor(async () => expect(await p.cache.read('k', source.load('k'))).toBe('v2'), WAIT);
    }
    expect(source.loads).toBe(2);
  });

  it('L1: a hot key is served in process; an invalidation from another process drops it at once', async () => {
    const storePrefix = uniquePrefix('l1');
    const busPrefix = uniquePrefix('l1bus');
    const bus = () => track(new RedisPubSub({ redis: testRedisSettings, prefix: busPrefix }));
    const l1 = { hotReadsPerSecond: 5, ttlMs: 60_000 };
    const reader = await processCache(storePrefix, { pubsub: bus(), l1 });
    const writer = await processCache(storePrefix, { pubsub: bus(), l1 });
    track(reader.cache);
    track(writer.cache);
    const source = new Source();
    source.values.set('user:1', 'v1');
    // Hot: five reads within one second (a second boundary may need a few more).
    for (let i = 0; i < 100 && reader.cache.state().l1Size === 0; i++) {
      await reader.cache.read('user:1', source.load('user:1'));
    }
    expect(reader.cache.state().l1Size).toBe(1);
    reader.outcomes.reset();
    // A change the store never hears of: only the copy in process can still answer v1.
    source.values.set('user:1', 'v2');
    await writer.cache.invalidate(['other']);
    expect(await reader.cache.read('user:1', source.load('user:1'))).toBe('v1');
    expect(reader.outcomes.counts).toEqual({ l1_hit: 1 });

    await writer.cache.invalidate(['user:1']);
    await vi.waitFor(
      async () => expect(await reader.cache.read('user:1', source.load('user:1'))).toBe('v2'),
      {
        timeout: 1_000,
        interval: 5,
      },
    );
    expect(reader.cache.state().l1Size).toBeLessThanOrEqual(1);
  });

  it("memory stores, one per process: another process's invalidation drops this one's entry", async () => {
    const bus = new MemoryPubSub();
    const make = async () => {
      const cache = track(
        new ReadThroughCache({
          store: new MemoryCacheStore(),
          ttlSeconds: 30,
          pubsub: bus,
          storePerProcess: true,
        }),
      );
      await cache.listening;
      return cache;
    };
    const [a, b] = [await make(), await make()];
    const source = new Source();
    source.values.set('user:1', 'v1');
    expect(await b.read('user:1', source.load('user:1'))).toBe('v1');
    source.values.set('user:1', 'v2');
    await a.invalidate(['user:1']);
    await vi.waitFor(async () => expect(await b.read('user:1', source.load('user:1'))).toBe('v2'), WAIT);
    expect(b.state().l1Size).toBe(0);
  });

  it('L1 is off without a bus (another process could not drop the copy) and with l1: false', async () => {
    const source = new Source();
    source.values.set('k', 'v');
    const busPrefix = uniquePrefix('l1off');
    for (const opts of [
      { l1: { hotReadsPerSecond: 1 } },
      {
        l1: false as const,
        pubsub: track(new RedisPubSub({ redis: testRedisSettings, prefix: busPrefix })),
      },
    ]) {
      const p = await processCache(uniquePrefix('l1off'), opts);
      track(p.cache);
      for (let i = 0; i < 10; i++) await p.cache.read('k', source.load('k'));
      expect(p.cache.state().l1Size).toBe(0);
      expect(p.outcomes.counts.l1_hit).toBeUndefined();
    }
  });
});
