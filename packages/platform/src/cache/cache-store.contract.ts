import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CacheEntry, CacheStore } from '../ports.ts';

const entry = (value: CacheEntry['value'], freshUntil = Date.now() + 60_000): CacheEntry => ({
  value,
  freshUntil,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The behaviour every CacheStore adapter shares. The factory gets a prefix unique to the test, so
 * stores on a shared server never see each other's keys.
 */
export function cacheStoreContract(name: string, factory: (prefix: string) => Promise<CacheStore>): void {
  describe(`CacheStore contract: ${name}`, () => {
    let store: CacheStore;
    let other: CacheStore | null;
    const open = async () => (other = await factory(prefix));
    let prefix: string;

    beforeEach(async () => {
      prefix = `t${Math.random().toString(36).slice(2)}:`;
      other = null;
      store = await factory(prefix);
    });
    afterEach(async () => {
      await store.close();
      await other?.close();
    });

    it('answers null for keys never filled, in the order asked', async () => {
      expect(await store.getMany([])).toEqual([]);
      expect(await store.getMany(['a', 'b'])).toEqual([null, null]);
    });

    it('stores a filled entry as a copy of its JSON and answers it by key', async () => {
      const value = { id: '9007199254740993', tags: ['x', 'y'], none: null, n: 1.5, ok: true };
      const token = await store.lease('user:1', 5_000);
      expect(token).toEqual(expect.any(String));
      const filled = entry(value);
      expect(await store.fill('user:1', token!, filled, 30)).toBe(true);
      const [got, missing] = await store.getMany(['user:1', 'user:2']);
      expect(got).toEqual(filled);
      expect(got?.value).not.toBe(value);
      expect(missing).toBeNull();
    });

    it('grants one lease per key at a time, to exactly one of many racing callers', async () => {
      const tokens = await Promise.all(Array.from({ length: 50 }, () => store.lease('hot', 5_000)));
      expect(tokens.filter((t) => t !== null)).toHaveLength(1);
      expect(await store.lease('cold', 5_000)).not.toBeNull();
    });

    it('releases the lease on fill, so the next refresh can take it', async () => {
      const token = await store.lease('k', 5_000);
      expect(await store.fill('k', token!, entry(1), 30)).toBe(true);
      expect(await store.lease('k', 5_000)).not.toBeNull();
    });

    it('renews a lease for its holder only, so nobody takes it over while the holder loads', async () => {
      const token = await store.lease('slow', 200);
      expect(await store.renew('slow', `${token}x`, 5_000)).toBe(false);
      expect(await store.renew('slow', token!, 5_000)).toBe(true);
      // Past the first 200 ms: still held, thanks to the renewal.
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await store.lease('slow', 5_000)).toBeNull();
      expect(await store.fill('slow', token!, entry('loaded'), 30)).toBe(true);
      // Filled (released): nothing left to renew.
      expect(await store.renew('slow', token!, 5_000)).toBe(false);
    });

    it('refuses a fill with a token that does not hold the lease', async () => {
      const token = await store.lease('k', 5_000);
      expect(await store.fill('k', `${token}x`, entry('forged'), 30)).toBe(false);
      expect(await store.getMany(['k'])).toEqual([null]);
      expect(await store.fill('k', token!, entry('real'), 30)).toBe(true);
      expect(await store.fill('k', token!, entry('again'), 30)).toBe(false);
      expect((await store.getMany(['k']))[0]?.value).toBe('real');
    });

    it('refuses a fill after delete: a value loaded before a write never comes back (the stale-fill race)', async () => {
      const token = await store.lease('user:1', 5_000);
      // The write commits and invalidates while the reader is still loading the old row.
      await store.delete(['user:1']);
      expect(await store.fill('user:1', token!, entry({ name: 'old' }), 30)).toBe(false);
      expect(await store.getMany(['user:1'])).toEqual([null]);
    });

    it('drops entries on delete, and leaves other keys alone', async () => {
      for (const key of ['a', 'b', 'c']) {
        const token = await store.lease(key, 5_000);
        await store.fill(key, token!, entry(key), 30);
      }
      await store.delete(['a', 'c', 'never']);
      expect((await store.getMany(['a', 'b', 'c'])).map((e) => e?.value ?? null)).toEqual([null, 'b', null]);
    });

    it('lets a lease lapse after its time, so a vanished holder does not block the key', async () => {
      expect(await store.lease('k', 30)).not.toBeNull();
      expect(await store.lease('k', 30)).toBeNull();
      await sleep(80);
      expect(await store.lease('k', 5_000)).not.toBeNull();
    });

    it('drops an entry after its time to live', async () => {
      const token = await store.lease('k', 5_000);
      await store.fill('k', token!, entry('brief'), 1);
      expect((await store.getMany(['k']))[0]?.value).toBe('brief');
      await sleep(1_100);
      expect(await store.getMany(['k'])).toEqual([null]);
    });

    it('keeps a stale entry (past freshUntil) until its time to live, freshUntil intact', async () => {
      const token = await store.lease('k', 5_000);
      const stale = entry('old', Date.now() - 1_000);
      await store.fill('k', token!, stale, 30);
      expect(await store.getMany(['k'])).toEqual([stale]);
    });

    it('keeps stores with different prefixes apart', async () => {
      const mine = await store.lease('k', 5_000);
      await store.fill('k', mine!, entry('mine'), 30);
      prefix = `${prefix}other:`;
      const theirs = await open();
      expect(await theirs.getMany(['k'])).toEqual([null]);
    });
  });
}
