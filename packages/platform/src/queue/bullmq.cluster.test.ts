import { afterAll, beforeAll } from 'vitest';
import { OwnRedisCluster } from '../cache/testing/redis-cluster.ts';
import { BullMqQueue } from './bullmq.queue.ts';
import { queueContract } from './queue.contract.ts';

// REDIS_CLUSTER_NODES: the BullMQ adapter on a three-master Cluster of this file's own, under the
// hash-tagged prefix a Cluster needs (every key of a queue in one slot).
let cluster: OwnRedisCluster;
beforeAll(async () => {
  cluster = await OwnRedisCluster.start();
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
});

queueContract('BullMqQueue on a Redis Cluster', async () => {
  return new BullMqQueue({
    redis: { clusterNodes: cluster.nodes },
    prefix: `{gtest-${Math.random().toString(36).slice(2)}}`,
    backoffMs: () => 20,
  });
});
