import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { closeRedis, openRedis, whenReady } from '../cache/redis-client.ts';
import { WalPositions } from './positions.ts';

// Real Redis on 127.0.0.1:6379 (the suite's shared service); keys under a prefix of this run's own.
describe('read-your-writes positions', () => {
  const prefix = `graminsta:test:wal:${randomUUID()}:`;
  const redis = openRedis({ url: 'redis://127.0.0.1:6379' });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await closeRedis(redis);
  });

  it('keeps the highest position per reader, in memory without Redis', async () => {
    const local = new WalPositions({ maxLagMs: 1_000 });
    expect(await local.lookup(['u:1'])).toBeNull();
    await local.record(['u:1'], 500n);
    await local.record(['u:1'], 300n);
    expect(await local.lookup(['u:1'])).toBe(500n);
    await local.record(['t:x'], 900n);
    expect(await local.lookup(['u:1', 't:x'])).toBe(900n);
    expect(await local.lookup(['u:2'])).toBeNull();
  });

  it('shares positions between processes through Redis, only raised, and expires them', async () => {
    expect(await whenReady(redis)).toBe(true);
    const a = new WalPositions({ maxLagMs: 1_000, redis, prefix });
    const b = new WalPositions({ maxLagMs: 1_000, redis, prefix });
    const big = (1n << 40n) + 7n;
    await a.record(['u:9'], big);
    await a.record(['u:9'], 5n);
    expect(await b.lookup(['u:9'])).toBe(big);
    await b.record(['u:9'], big + 1n);
    expect(await a.lookup(['u:9'])).toBe(big + 1n);
    const ttl = await redis.pttl(`${prefix}u:9`);
    // Somewhat above the lag cut-off (2 × 1 s + 5 s), and set.
    expect(ttl).toBeGreaterThan(1_000);
    expect(ttl).toBeLessThanOrEqual(7_000);
  });
});
