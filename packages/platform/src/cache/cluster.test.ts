import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisPubSub } from '../pubsub/redis.pubsub.ts';
import { pubsubContract } from '../pubsub/pubsub.contract.ts';
import { cacheStoreContract } from './cache-store.contract.ts';
import { ReadThroughCache } from './read-through.cache.ts';
import { RedisCacheStore } from './redis.cache-store.ts';
import { openRedis, whenReady } from './redis-client.ts';
import { OwnRedisCluster } from './testing/redis-cluster.ts';
import { Source } from './testing/source.ts';
import { TEST_COMMAND_TIMEOUT_MS } from './testing/redis.ts';

// REDIS_CLUSTER_NODES: the same adapters on a three-master Cluster of this file's own.
let cluster: OwnRedisCluster;
beforeAll(async () => {
  cluster = await OwnRedisCluster.start();
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
});

async function clusterConnection() {
  const redis = openRedis({
    clusterNodes: cluster.nodes,
    commandTimeoutMs: TEST_COMMAND_TIMEOUT_MS,
    onError: () => {},
  });
  if (!(await whenReady(redis, 10_000))) throw new Error('cluster not ready');
  return redis;
}

cacheStoreContract('RedisCacheStore on a Cluster', async (prefix) => {
  return new RedisCacheStore({ redis: await clusterConnection(), prefix });
});

pubsubContract('RedisPubSub on a Cluster', async () => {
  const bus = new RedisPubSub({
    redis: { clusterNodes: cluster.nodes, commandTimeoutMs: TEST_COMMAND_TIMEOUT_MS },
  });
  // A Cluster takes a moment to learn its slots: the contract publishes at once.
  if (!(await bus.ready(10_000))) throw new Error('cluster not ready');
  return bus;
});

describe('ReadThroughCache on a Cluster', () => {
  it('spreads keys over the masters, and three engines × 200 reads of each cold key run one load per key', async () => {
    const source = new Source();
    const keys = Array.from({ length: 12 }, (_, i) => `user:${i}`);
    for (const key of keys) source.values.set(key, { key });
    source.delayMs = 30;
    const errors: unknown[] = [];
    const prefix = `cluster-test:${Math.random().toString(36).slice(2)}:`;
    const engines = await Promise.all(
      [1, 2, 3].map(
        async () =>
          new ReadThroughCache({
            store: new RedisCacheStore({ redis: await clusterConnection(), prefix }),
            ttlSeconds: 30,
            onError: (err) => errors.push(err),
          }),
      ),
    );
    try {
      await Promise.all(
        engines.flatMap((engine) =>
          keys.flatMap((key) => Array.from({ length: 200 }, () => engine.read(key, source.load(key)))),
        ),
      );
      // A store error would open the circuit and let each engine load: none may happen here.
      expect(errors).toEqual([]);
      expect(source.loads).toBe(keys.length);
      const admin = await clusterConnection();
      try {
        // Several masters hold entries: the Cluster really is spread, and MGET is never used across slots.
        const holders = await Promise.all(
          cluster.ports.map(async (port) => {
            const node = (admin as Cluster).nodes('master').find((n) => n.options.port === port)!;
            return (await node.keys(`${prefix}*`)).filter((key) => !key.endsWith(':lease')).length;
          }),
        );
        expect(holders.filter((n) => n > 0).length).toBeGreaterThan(1);
        expect(holders.reduce((a, b) => a + b)).toBe(keys.length);
        expect(await engines[0]!.read('user:3', source.load('user:3'))).toEqual({ key: 'user:3' });
      } finally {
        admin.disconnect();
      }
    } finally {
      for (const engine of engines) await engine.close();
    }
  });
});
