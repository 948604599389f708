import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

const PG = 'postgres://db.example/g';
const REDIS = 'redis://r.example:6379';

describe('queue, bus and replica settings', () => {
  it('keeps jobs and events in process at stage 1, on PostgreSQL at 2–5, on Redis at 6', () => {
    const pick = (env: Record<string, string>) => {
      const c = loadConfig(env);
      return [c.QUEUE, c.PUBSUB];
    };
    expect(pick({})).toEqual(['memory', 'memory']);
    expect(pick({ DATABASE_URL: PG })).toEqual(['postgres', 'postgres']);
    expect(pick({ DATABASE_URL: PG, REDIS_URL: REDIS })).toEqual(['bullmq', 'redis']);
    expect(pick({ DATABASE_URL: PG, REDIS_URL: REDIS, QUEUE: 'postgres', PUBSUB: 'postgres' })).toEqual([
      'postgres',
      'postgres',
    ]);
  });

  it('reads replicas as a list of postgres URLs, with a lag cut-off', () => {
    const c = loadConfig({
      DATABASE_URL: PG,
      DATABASE_REPLICA_URLS: 'postgres://r1.example/g, postgresql://r2.example/g',
    });
    expect(c.DATABASE_REPLICA_URLS).toEqual(['postgres://r1.example/g', 'postgresql://r2.example/g']);
    expect(c.DATABASE_REPLICA_MAX_LAG_MS).toBe(10_000);
    expect(loadConfig({}).DATABASE_REPLICA_URLS).toEqual([]);
  });

  it('fails fast naming the variable', () => {
    expect(() => loadConfig({ QUEUE: 'bullmq' })).toThrow(/REDIS_URL: required by QUEUE=bullmq/);
    expect(() => loadConfig({ PUBSUB: 'redis' })).toThrow(/REDIS_URL: required by PUBSUB=redis/);
    expect(() => loadConfig({ QUEUE: 'postgres' })).toThrow(/DATABASE_URL: required by QUEUE=postgres/);
    expect(() => loadConfig({ QUEUE: 'rabbit' })).toThrow(/QUEUE/);
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: 'postgres://r1.example/g' })).toThrow(
      /DATABASE_URL: required by DATABASE_REPLICA_URLS/,
    );
    expect(() => loadConfig({ DATABASE_URL: PG, DATABASE_REPLICA_URLS: 'mysql://r1/g' })).toThrow(
      /DATABASE_REPLICA_URLS/,
    );
    expect(() => loadConfig({ DATABASE_URL: PG, DATABASE_REPLICA_MAX_LAG_MS: '-1' })).toThrow(
      /DATABASE_REPLICA_MAX_LAG_MS/,
    );
  });
});
