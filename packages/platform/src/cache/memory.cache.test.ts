import { describe, expect, it } from 'vitest';
import { cacheContract } from './cache.contract.ts';
import { MemoryCache } from './memory.cache.ts';

cacheContract('MemoryCache', async () => new MemoryCache());

describe('MemoryCache', () => {
  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = new MemoryCache({ maxEntries: 2 });
    await cache.set('a', 1);
    await cache.set('b', 2);
    await cache.get('a'); // a is now fresher than b
    await cache.set('c', 3);
    expect(await cache.get('a')).toBe(1);
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('applies the default TTL when set() gives none, and a TTL of 0 stores nothing', async () => {
    let now = 1_000_000;
    const cache = new MemoryCache({ defaultTtlSeconds: 30, now: () => now });
    await cache.set('a', 'x');
    await cache.set('b', 'y', 0);
    expect(await cache.get('b')).toBeUndefined();
    now += 29_999;
    expect(await cache.get('a')).toBe('x');
    now += 1;
    expect(await cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
