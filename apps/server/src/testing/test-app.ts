import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig, type ReadCache } from '@graminsta/platform';
import { MapReadCache } from '@graminsta/core/testing/map-cache';
import type { LimitOverrides } from '@graminsta/core';
import { createTestDatabase, rawQuery, type TestDatabase } from '@graminsta/core/testing/test-db';
import { compose, type Composition } from '../compose.ts';
import { buildHttp } from '../roles/http.ts';
import { rolesToRun } from '../roles/registry.ts';
import { createRuntime } from '../runtime.ts';
import { contentSnapshot, withoutRefusalCounters } from './content-snapshot.ts';

export interface TestApp {
  app: FastifyInstance;
  comp: Composition;
  testDb: TestDatabase;
  dataDir: string;
  /** Signs up a user and returns its token. */
  signUp(username: string, password?: string): Promise<string>;
  /** A checksum per table and a hash per stored file: "nothing changed" is an equal snapshot. */
  snapshot(): Promise<Record<string, string>>;
  /** Sends bytes to an upload target through the storage role, by inject. */
  sendUpload(
    target: { url: string; headers?: Record<string, string> },
    body: Buffer,
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** Every HTTP role but realtime in one Fastify instance on a throwaway database and data folder; requests by app.inject. */
export async function createTestApp(
  env: Record<string, string> = {},
  opts: { logger?: Logger; limits?: LimitOverrides; cache?: ReadCache } = {},
): Promise<TestApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'graminsta-app-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    SECRET: 'test-secret-0123456789',
    // Limits stay on but far away: tests sign up many users from one address. Limit tests pass opts.limits.
    RATE_LIMITS: '1000',
    // With REDIS_URL the queue would resolve to BullMQ on the Redis every test process shares, where
    // one test's workers could take another's jobs: test apps keep the in-process queue unless told.
    ...(env.REDIS_URL || env.REDIS_CLUSTER_NODES ? { QUEUE: 'memory' } : {}),
    ...env,
  });
  const runtime = createRuntime(config, {
    instanceId: 'test-1',
    logger: opts.logger ?? pino({ level: 'silent' }),
    defaultMetrics: false,
  });
  const testDb = await createTestDatabase({ onQuery: runtime.metrics.observeQuery });
  // TEST_READ_CACHE=map runs any app test with every read through a shared cache (a Map).
  const cache = opts.cache ?? (process.env.TEST_READ_CACHE === 'map' ? new MapReadCache() : undefined);
  const comp = await compose(runtime, { database: testDb.database, limits: opts.limits, cache });
  // No realtime gateway: socket tests attach their own (short timers, their own listener).
  const app = await buildHttp(runtime, rolesToRun(config.roles.filter((r) => r !== 'realtime')), comp);
  await app.ready();
  return {
    app,
    comp,
    testDb,
    dataDir,
    async signUp(username, password = 'correct horse battery') {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/accounts',
        payload: { username, password },
      });
      if (res.statusCode !== 201) throw new Error(`sign-up failed: ${res.statusCode} ${res.body}`);
      return (res.json() as { token: string }).token;
    },
    snapshot: async () =>
      withoutRefusalCounters(
        await contentSnapshot((sql) => rawQuery(comp.database, sql), join(dataDir, 'blobs')),
      ),
    sendUpload(target, body) {
      const url = new URL(target.url, 'http://localhost');
      return app.inject({
        method: 'PUT',
        url: url.pathname + url.search,
        headers: target.headers,
        payload: body,
      });
    },
    async close() {
      await app.close();
      await comp.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
