import { describe, expect, it, vi } from 'vitest';
import type { PubSub } from '../ports.ts';
import { TEST_PG_ADMIN_URL } from '@graminsta/core/testing/test-db';
import { MemoryPubSub } from '../pubsub/memory.pubsub.ts';
import { PostgresPubSub } from '../pubsub/postgres.pubsub.ts';
import { cacheContract } from './cache.contract.ts';
import { InvalidatingCache } from './invalidating.cache.ts';
import { MemoryCache } from './memory.cache.ts';

const WAIT = { timeout: 5000, interval: 10 };

cacheContract(
  'InvalidatingCache over MemoryCache',
  async () => new InvalidatingCache(new MemoryCache(), new MemoryPubSub()),
);

/** Two "processes", each with its own local cache, sharing one bus. */
function invalidationSuite(
  name: string,
  makeBuses: () => Promise<[PubSub, PubSub, () => Promise<void>]>,
): void {
  describe(`InvalidatingCache across processes: ${name}`, () => {
    it("a delete in one process drops the key from the other's local cache", async () => {
      const [busA, busB, done] = await makeBuses();
      const a = new InvalidatingCache(new MemoryCache(), busA);
      const b = new InvalidatingCache(new MemoryCache(), busB);
      await Promise.all([a.ready(), b.ready()]);
      try {
        // Both processes have served the profile, so both hold a copy.
        await a.set('user:1', { displayName: 'Old' }, 30);
        await b.set('user:1', { displayName: 'Old' }, 30);
        await b.set('user:2', { displayName: 'Other' }, 30);

        // The user edits their profile through process A.
        await a.delete(['user:1']);
        expect(await a.get('user:1')).toBeUndefined();
        await vi.waitFor(async () => expect(await b.get('user:1')).toBeUndefined(), WAIT);
        expect(await b.get('user:2')).toEqual({ displayName: 'Other' });

        // And the other way round.
        await a.set('user:2', { displayName: 'Other' }, 30);
        await b.delete(['user:2']);
        await vi.waitFor(async () => expect(await a.get('user:2')).toBeUndefined(), WAIT);
      } finally {
        await a.close();
        await b.close();
        await done();
      }
    });

    it('after close, a wrapper no longer listens', async () => {
      const [busA, busB, done] = await makeBuses();
      const a = new InvalidatingCache(new MemoryCache(), busA);
      const local = new MemoryCache();
      const b = new InvalidatingCache(local, busB);
      const c = new InvalidatingCache(new MemoryCache(), busB);
      await Promise.all([a.ready(), b.ready(), c.ready()]);
      try {
        await b.close();
        await local.set('k', 1); // the local cache outlives its wrapper here only to observe it
        await c.set('k', 1);
        await a.delete(['k']);
        await vi.waitFor(async () => expect(await c.get('k')).toBeUndefined(), WAIT);
        expect(await local.get('k')).toBe(1);
      } finally {
        await a.close();
        await c.close();
        await done();
      }
    });
  });
}

invalidationSuite('MemoryPubSub', async () => {
  const bus = new MemoryPubSub();
  return [bus, bus, () => bus.close()];
});

// Two processes, two listening connections, one PostgreSQL server (always there, whatever TEST_DATABASE says).
invalidationSuite('PostgresPubSub', async () => {
  const pgChannel = `graminsta_test_${Math.random().toString(36).slice(2)}`;
  const a = new PostgresPubSub({ url: TEST_PG_ADMIN_URL, pgChannel });
  const b = new PostgresPubSub({ url: TEST_PG_ADMIN_URL, pgChannel });
  return [a, b, async () => void (await Promise.all([a.close(), b.close()]))];
});
