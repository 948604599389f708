import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Json } from '../ports.ts';
import { readyRedis, testRedisSettings, uniquePrefix } from '../cache/testing/redis.ts';
import { RedisPubSub, type RedisPubSubOptions } from './redis.pubsub.ts';
import { pubsubContract } from './pubsub.contract.ts';

const WAIT = { timeout: 10_000, interval: 20 };
const make = (opts: Partial<RedisPubSubOptions> = {}) =>
  new RedisPubSub({ redis: testRedisSettings, prefix: uniquePrefix('pubsub'), ...opts });

pubsubContract('RedisPubSub', async () => make());

describe('RedisPubSub', () => {
  const open: RedisPubSub[] = [];
  const track = (bus: RedisPubSub) => (open.push(bus), bus);
  afterEach(async () => {
    for (const bus of open.splice(0)) await bus.close();
  });

  it('carries messages between processes sharing a prefix, and not to another prefix', async () => {
    const prefix = uniquePrefix('pubsub');
    const a = track(make({ prefix }));
    const b = track(make({ prefix }));
    const elsewhere = track(make());
    const got: Json[] = [];
    const strays: Json[] = [];
    await b.subscribe('cache.invalidate', (m) => void got.push(m));
    await elsewhere.subscribe('cache.invalidate', (m) => void strays.push(m));
    await elsewhere.publish('cache.invalidate', 'not for b');
    await a.publish('cache.invalidate', { keys: ['user:1'] });
    await vi.waitFor(() => expect(got).toEqual([{ keys: ['user:1'] }]), WAIT);
    expect(strays).toEqual(['not for b']);
  });

  it('subscribes again after its connection is killed', async () => {
    const name = `graminsta-test-${Math.random().toString(36).slice(2)}`;
    const errors: unknown[] = [];
    const bus = track(make({ redis: { ...testRedisSettings, name }, onError: (e) => errors.push(e) }));
    const got: Json[] = [];
    await bus.subscribe('c', (m) => void got.push(m));

    const admin = await readyRedis();
    try {
      // Only this bus's connections: the server is shared with other tests.
      const list = (await admin.client('LIST')) as string;
      const ids = list
        .split('\n')
        .filter((line) => line.includes(` name=${name} `))
        .map((line) => /\bid=(\d+)/.exec(line)?.[1]);
      expect(ids).toHaveLength(2);
      for (const id of ids) await admin.client('KILL', 'ID', id!);
    } finally {
      admin.disconnect();
    }
    // Messages sent while it is down are missed; keep publishing until one gets through.
    let n = 0;
    await vi.waitFor(
      async () => {
        await bus.publish('c', ++n).catch(() => {});
        expect(got.length).toBeGreaterThan(0);
      },
      { timeout: 10_000, interval: 100 },
    );
  });

  it('holds one subscriber connection for any number of channels and handlers', async () => {
    const name = `graminsta-test-${Math.random().toString(36).slice(2)}`;
    const bus = track(make({ redis: { ...testRedisSettings, name } }));
    // 300 users with 3 sockets each, as one realtime process holds them.
    const got = new Map<string, number>();
    const stops = [];
    for (let user = 0; user < 300; user++)
      for (let socket = 0; socket < 3; socket++)
        stops.push(
          await bus.subscribe(`user:${user}`, () => got.set(`${user}`, (got.get(`${user}`) ?? 0) + 1)),
        );
    const admin = await readyRedis();
    try {
      const list = (await admin.client('LIST')) as string;
      const mine = list.split('\n').filter((line) => line.includes(` name=${name} `));
      // One publishing connection, one subscribed to all 300 channels.
      expect(mine).toHaveLength(2);
      expect(mine.map((line) => Number(/\bsub=(\d+)/.exec(line)?.[1])).sort((a, b) => a - b)).toEqual([
        0, 300,
      ]);
    } finally {
      admin.disconnect();
    }
    await bus.publish('user:7', 'hello');
    await vi.waitFor(() => expect(got.get('7')).toBe(3), WAIT);
    expect(got.size).toBe(1);
    for (const stop of stops) await stop();
  });
});
