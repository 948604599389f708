import { afterAll } from 'vitest';
import { openRedis, whenReady } from '../cache/redis-client.ts';
import { RedisTimelineStore } from './redis.timeline-store.ts';
import { CONTRACT_LIMITS, timelineStoreContract } from './timeline-store.contract.ts';

const client = openRedis({ url: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', onError: () => {} });
// A prefix of its own per run: parallel test files and earlier runs never collide.
const prefix = `test:tl:${process.pid}:${Date.now()}:`;
afterAll(async () => {
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.del(...keys);
  client.disconnect();
});

timelineStoreContract('redis', async () => {
  await whenReady(client);
  return new RedisTimelineStore({ client, prefix, ...CONTRACT_LIMITS });
});
