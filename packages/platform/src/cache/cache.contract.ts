import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Cache } from '../ports.ts';

/** The behaviour every Cache adapter shares. Keys are prefixed per test so a shared server is fine. */
export function cacheContract(name: string, factory: () => Promise<Cache>): void {
  describe(`Cache contract: ${name}`, () => {
    let cache: Cache;
    let prefix: string;
    const k = (key: string) => `${prefix}:${key}`;

    beforeEach(async () => {
      cache = await factory();
      prefix = `t${Math.random().toString(36).slice(2)}`;
    });
    afterEach(async () => {
      await cache.close();
    });

    it('returns undefined for a key never set', async () => {
      expect(await cache.get(k('missing'))).toBeUndefined();
    });

    it('returns what was set, for every JSON shape', async () => {
      const values = [
        { user: { id: '123', tags: ['a', 'b'], n: 1.5, ok: true, none: null } },
        'text',
        42,
        false,
        null,
        [1, [2]],
      ];
      for (const [i, value] of values.entries()) await cache.set(k(`v${i}`), value, 60);
      for (const [i, value] of values.entries()) expect(await cache.get(k(`v${i}`))).toEqual(value);
    });

    it('overwrites a key with the latest value', async () => {
      await cache.set(k('a'), { v: 1 }, 60);
      await cache.set(k('a'), { v: 2 }, 60);
      expect(await cache.get(k('a'))).toEqual({ v: 2 });
    });

    it('keeps its own copy: mutating the value set or the value read changes nothing cached', async () => {
      const value = { list: [1] };
      await cache.set(k('a'), value, 60);
      value.list.push(2);
      const read = await cache.get<{ list: number[] }>(k('a'));
      read?.list.push(3);
      expect(await cache.get(k('a'))).toEqual({ list: [1] });
    });

    it('forgets an entry once its TTL has passed', async () => {
      await cache.set(k('short'), 'soon gone', 1);
      await cache.set(k('long'), 'still here', 60);
      await vi.waitFor(async () => expect(await cache.get(k('short'))).toBeUndefined(), {
        timeout: 5000,
        interval: 100,
      });
      expect(await cache.get(k('long'))).toBe('still here');
    });

    it('deletes several keys at once and ignores keys that are not there', async () => {
      await cache.set(k('a'), 1, 60);
      await cache.set(k('b'), 2, 60);
      await cache.set(k('c'), 3, 60);
      await cache.delete([k('a'), k('b'), k('nope')]);
      await cache.delete([]);
      expect(await cache.get(k('a'))).toBeUndefined();
      expect(await cache.get(k('b'))).toBeUndefined();
      expect(await cache.get(k('c'))).toBe(3);
    });
  });
}
