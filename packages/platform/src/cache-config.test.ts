import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('cache settings', () => {
  it('caches in process at stage 1, not at all at stages 2–5, in Redis once REDIS_URL is set', () => {
    const stage1 = loadConfig({});
    expect([stage1.CACHE, stage1.TIMELINES, stage1.CACHE_TTL_SECONDS, stage1.CACHE_L1]).toEqual([
      'memory',
      'off',
      30,
      'on',
    ]);
    const stage2 = loadConfig({ DATABASE_URL: 'postgres://db.example/g' });
    expect([stage2.CACHE, stage2.TIMELINES]).toEqual(['off', 'off']);
    const stage6 = loadConfig({
      DATABASE_URL: 'postgres://db.example/g',
      REDIS_URL: 'redis://r.example:6379',
    });
    expect([stage6.CACHE, stage6.TIMELINES]).toEqual(['redis', 'on']);
    const cluster = loadConfig({ REDIS_CLUSTER_NODES: 'r1:7000, r2:7001' });
    expect([cluster.CACHE, cluster.REDIS_CLUSTER_NODES]).toEqual(['redis', ['r1:7000', 'r2:7001']]);
  });

  it('lets each default be overridden', () => {
    const c = loadConfig({
      REDIS_URL: 'redis://r.example',
      CACHE: 'memory',
      TIMELINES: 'off',
      CACHE_L1: 'off',
    });
    expect([c.CACHE, c.TIMELINES, c.CACHE_L1]).toEqual(['memory', 'off', 'off']);
    expect(loadConfig({ DATABASE_URL: 'postgres://db.example/g', CACHE: 'memory' }).CACHE).toBe('memory');
  });

  it('fails fast naming the variable', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://r.example' })).toThrow(/REDIS_URL: must be a redis/);
    expect(() => loadConfig({ CACHE: 'redis' })).toThrow(/REDIS_URL: required by CACHE=redis/);
    expect(() => loadConfig({ TIMELINES: 'on' })).toThrow(/REDIS_URL: required by TIMELINES=on/);
    expect(() => loadConfig({ CACHE: 'disk' })).toThrow(/CACHE/);
    expect(() => loadConfig({ CACHE_TTL_SECONDS: '0' })).toThrow(/CACHE_TTL_SECONDS/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'r1' })).toThrow(/REDIS_CLUSTER_NODES/);
  });
});
