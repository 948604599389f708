import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig } from '@graminsta/platform';
import type { LimitOverrides } from '@graminsta/core';
import { createTestDatabase, rawQuery, type TestDatabase } from '@graminsta/core/testing/test-db';
import { Metrics } from '../api/metrics.ts';
import { compose, type Composition } from '../compose.ts';
import { buildHttpServer } from '../http.ts';
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

/** Every role in one Fastify instance on a throwaway database and data folder; requests by app.inject. */
export async function createTestApp(
  env: Record<string, string> = {},
  opts: { logger?: Logger; limits?: LimitOverrides } = {},
): Promise<TestApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'graminsta-app-'));
  const metrics = new Metrics(false);
  const testDb = await createTestDatabase({ onQuery: metrics.observeQuery });
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    SECRET: 'test-secret-0123456789',
    // Limits stay on but far away: tests sign up many users from one address. Limit tests pass opts.limits.
    RATE_LIMITS: '1000',
    ...env,
  });
  const comp = await compose(config, metrics, { database: testDb.database, limits: opts.limits });
  const app = await buildHttpServer({
    config,
    roles: config.roles,
    services: comp.services,
    metrics,
    logger: opts.logger ?? pino({ level: 'silent' }),
    instanceId: 'test-1',
    storage: { store: comp.localStore, secret: comp.secret },
    checkReady: () => comp.database.ping(),
  });
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
