import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@graminsta/core/testing/test-db';
import { loadConfig, noCache } from '@graminsta/platform';
import { compose, type Composition } from './compose.ts';
import { createRuntime, type RuntimeContext } from './runtime.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const unique = () => `compose-test:${Math.random().toString(36).slice(2)}`;

describe('compose: the cache CACHE names', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function composeWith(
    env: Record<string, string>,
  ): Promise<{ comp: Composition; runtime: RuntimeContext }> {
    const dataDir = await mkdtemp(join(tmpdir(), 'graminsta-compose-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      SECRET: 'test-secret-0123456789',
      ...env,
    });
    const runtime = createRuntime(config, {
      instanceId: 'test-1',
      logger: pino({ level: 'silent' }),
      defaultMetrics: false,
    });
    const testDb: TestDatabase = await createTestDatabase();
    const comp = await compose(runtime, { database: testDb.database });
    // Closes the database too (and drops a PostgreSQL clone).
    cleanup.push(() => comp.close());
    return { comp, runtime };
  }

  it('CACHE=off: no cache at all', async () => {
    const { comp } = await composeWith({ CACHE: 'off' });
    expect(comp.cache).toBe(noCache);
    expect(comp.cacheEngine).toBeNull();
  });

  it("stage 1 (no DATABASE_URL, no REDIS_URL): this process's memory", async () => {
    const { comp, runtime } = await composeWith({});
    expect(runtime.config.CACHE).toBe('memory');
    const key = unique();
    let loads = 0;
    const load = async () => ((loads += 1), { n: 1 });
    await comp.cache.read(key, load);
    await comp.cache.read(key, load);
    expect(loads).toBe(1);
    expect(comp.cacheEngine?.state()).toMatchObject({ storeUp: true, l1Size: 0, listening: true });
  });

  it('REDIS_URL: the Redis store, counted in the metrics, with the L1 listening for invalidations', async () => {
    const { comp, runtime } = await composeWith({ REDIS_URL });
    expect(runtime.config.CACHE).toBe('redis');
    const key = unique();
    let loads = 0;
    const load = async () => ((loads += 1), 'v');
    await comp.cache.read(key, load);
    await comp.cache.read(key, load);
    await comp.cache.invalidate([key]);
    expect(loads).toBe(1);
    expect(comp.cacheEngine?.state()).toMatchObject({ storeUp: true, listening: true });
    const text = await runtime.metrics.registry.metrics();
    expect(text).toMatch(/graminsta_cache_reads_total\{outcome="miss"\} 1\b/);
    expect(text).toMatch(/graminsta_cache_reads_total\{outcome="hit"\} 1\b/);
    expect(text).toMatch(/graminsta_cache_store_up 1\b/);
  });

  it('a Redis that does not answer at start is no error: reads go to the database', async () => {
    const { comp, runtime } = await composeWith({ REDIS_URL: 'redis://127.0.0.1:1/0' });
    let loads = 0;
    const load = async () => ((loads += 1), 'v');
    expect(await comp.cache.read(unique(), load)).toBe('v');
    await comp.cache.invalidate([unique()]);
    expect(loads).toBe(1);
    expect(await runtime.metrics.registry.metrics()).toMatch(
      /graminsta_cache_reads_total\{outcome="fallback"\} 1\b/,
    );
    expect(await runtime.metrics.registry.metrics()).toMatch(/graminsta_cache_store_up 0\b/);
  });
});
