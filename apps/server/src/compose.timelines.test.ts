import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedis, whenReady } from '@graminsta/platform';
import { createTestApp, type TestApp } from './testing/test-app.ts';

/** TIMELINES=on composes a Redis timeline store into the feed (Redis on 127.0.0.1:6379, as in CI). */
describe('composition with TIMELINES=on', () => {
  let t: TestApp;
  const redis = openRedis({ url: 'redis://127.0.0.1:6379', onError: () => {} });

  beforeAll(async () => {
    await whenReady(redis);
    t = await createTestApp({ REDIS_URL: 'redis://127.0.0.1:6379', TIMELINES: 'on', CACHE: 'off' });
  });
  afterAll(async () => {
    await t.close();
    redis.disconnect();
  });

  it('answers the home feed from a timeline it rebuilt in Redis, and counts the reads', async () => {
    const token = await t.signUp(`tl${Date.now().toString(36)}`);
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${token}` },
    });
    const userId = (me.json() as { id: string }).id;
    for (let i = 0; i < 2; i += 1) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/feed',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ items: [], nextCursor: null });
    }
    expect(await redis.exists(`tl:{${userId}}:ids`)).toBe(1);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/graminsta_timeline_reads_total\{outcome="rebuilt"\} 1/);
    expect(metrics).toMatch(/graminsta_timeline_reads_total\{outcome="hit"\} 2/);
    await redis.del(`tl:{${userId}}:ids`);
  });
});
