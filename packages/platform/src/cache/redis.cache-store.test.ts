import type { RedisConnection } from './redis-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheStoreContract } from './cache-store.contract.ts';
import { RedisCacheStore } from './redis.cache-store.ts';
import { readyRedis, testRedis, uniquePrefix } from './testing/redis.ts';

const run = uniquePrefix('cache-store');
cacheStoreContract(
  'RedisCacheStore',
  async (prefix) => new RedisCacheStore({ redis: await readyRedis(), prefix: run + prefix }),
);

describe('RedisCacheStore', () => {
  let admin: RedisConnection;
  beforeAll(async () => (admin = await readyRedis()));
  afterAll(() => admin.disconnect());

  it('keeps an entry and its lease under one hash tag, so a Cluster puts them in one slot', async () => {
    const prefix = uniquePrefix('slots');
    const store = new RedisCacheStore({ redis: await readyRedis(), prefix });
    try {
      const token = await store.lease('user:7', 5_000);
      await store.fill('user:7', token!, { value: 1, freshUntil: Date.now() + 1_000 }, 30);
      const other = await store.lease('user:7', 5_000);
      const keys = (await admin.keys(`${prefix}*`)).sort();
      // The first {…} of each name is its hash tag: `user:7` for both.
      expect(keys).toEqual([`${prefix}{user:7}`, `${prefix}{user:7}:lease`]);
      expect(other).not.toBeNull();
    } finally {
      await store.close();
    }
  });

  it('refuses a prefix with braces (it would move the hash tag)', () => {
    const redis = testRedis();
    expect(() => new RedisCacheStore({ redis, prefix: 'a{b}:' })).toThrow(/braces/);
    redis.disconnect();
  });

  it('answers a damaged entry as a miss', async () => {
    const prefix = uniquePrefix('damaged');
    const store = new RedisCacheStore({ redis: await readyRedis(), prefix });
    try {
      await admin.set(`${prefix}{k}`, 'not json', 'EX', 30);
      expect(await store.getMany(['k'])).toEqual([null]);
    } finally {
      await store.close();
    }
  });
});
