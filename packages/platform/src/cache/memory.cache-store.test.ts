import { describe, expect, it } from 'vitest';
import { cacheStoreContract } from './cache-store.contract.ts';
import { MemoryCacheStore } from './memory.cache-store.ts';

cacheStoreContract('MemoryCacheStore', async () => new MemoryCacheStore());

describe('MemoryCacheStore', () => {
  it('keeps at most maxEntries, dropping the least recently used', async () => {
    const store = new MemoryCacheStore({ maxEntries: 2 });
    for (const key of ['a', 'b', 'c']) {
      const token = await store.lease(key, 1_000);
      await store.fill(key, token!, { value: key, freshUntil: Date.now() + 1_000 }, 30);
    }
    expect((await store.getMany(['a', 'b', 'c'])).map((e) => e?.value ?? null)).toEqual([null, 'b', 'c']);
  });
});
