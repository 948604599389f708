import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { loadConfig } from '@graminsta/platform';
import { startReplicaPair, type ReplicaPair } from '@graminsta/topology';
import { compose, type Composition } from '../compose.ts';
import { buildHttp } from '../roles/http.ts';
import { rolesToRun } from '../roles/registry.ts';
import { createRuntime } from '../runtime.ts';
import { sumMetric } from '../testing/metrics-text.ts';
import { READ_FROM_HEADER, WAL_HEADER } from './read-your-writes.ts';

const usingPostgres = () => process.env.TEST_DATABASE === 'postgres';
const PASSWORD = 'correct horse battery';
const DELAY_MS = 3_000;

// A primary and a replica delayed on purpose (recovery_min_apply_delay), behind the real app.
// Real clusters: run once, in the PostgreSQL pass.
describe.skipIf(!usingPostgres())('read-your-writes over a delayed replica', () => {
  let pair: ReplicaPair;
  let dataDir: string;
  let comp: Composition;
  let app: FastifyInstance;

  beforeAll(async () => {
    pair = await startReplicaPair({ prefix: 'graminsta-ryw-', applyDelayMs: DELAY_MS });
    const { primary, replica } = pair;
    dataDir = await mkdtemp(join(tmpdir(), 'graminsta-ryw-app-'));
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      SECRET: 'test-secret-0123456789',
      RATE_LIMITS: '1000',
      DATABASE_URL: primary.url,
      DATABASE_REPLICA_URLS: replica.url,
      // Well above the delay: the delayed replica stays in use.
      DATABASE_REPLICA_MAX_LAG_MS: '60000',
      // Every read from the database (a shared cache's loads are pinned to the primary anyway).
      CACHE: 'off',
    });
    const runtime = createRuntime(config, {
      instanceId: 'ryw-1',
      logger: pino({ level: 'silent' }),
      defaultMetrics: false,
    });
    comp = await compose(runtime);
    app = await buildHttp(runtime, rolesToRun(config.roles.filter((r) => r !== 'realtime')), comp);
    await app.ready();
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await comp?.close();
    await pair?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  const call = (method: 'GET' | 'PATCH' | 'PUT' | 'POST', url: string, token?: string, payload?: object) =>
    app.inject({
      method,
      url: `/api/v1${url}`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      payload,
    });
  const signUp = async (username: string) => {
    const res = await call('POST', '/accounts', undefined, { username, password: PASSWORD });
    expect(res.statusCode).toBe(201);
    // The sign-up wrote: its position is answered (and kept for its token).
    expect(res.headers[WAL_HEADER]).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    return res.json<{ token: string }>().token;
  };
  const reads = async () => {
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    return {
      replica: sumMetric(text, 'graminsta_db_reads_total', { target: 'replica' }),
      primary: sumMetric(text, 'graminsta_db_reads_total', { target: 'primary' }),
      ownWrite: sumMetric(text, 'graminsta_db_reads_total', { target: 'primary', reason: 'own_write' }),
      lag: sumMetric(text, 'graminsta_db_replica_lag_seconds'),
    };
  };

  it('a fresh sign-up uses its token at once', async () => {
    const token = await signUp('cat');
    const me = await call('GET', '/me', token);
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ username: 'cat' });
  });

  it("shows a user's own edit and follow at once; another reader, served by the replica, sees them later", async () => {
    const ann = await signUp('ann');
    const ben = await signUp('ben');
    // Until the sign-ups are replayed, ben's reads are his own write's: wait for the replica to serve him.
    await vi.waitFor(
      async () => {
        const res = await call('GET', '/users/ann', ben);
        expect(res.statusCode).toBe(200);
        expect(res.headers[READ_FROM_HEADER]).toBe('replica');
      },
      { timeout: 60_000, interval: 200 },
    );
    const before = await reads();

    const edit = await call('PATCH', '/me', ann, { bio: 'edited just now' });
    expect(edit.statusCode).toBe(200);
    expect(edit.headers[WAL_HEADER]).toBeDefined();
    const own = await call('GET', '/users/ann', ann);
    expect(own.json()).toMatchObject({ bio: 'edited just now' });

    // Another reader is served by the replica, whatever it has replayed yet.
    const other = await call('GET', '/users/ann', ben);
    expect(other.statusCode).toBe(200);
    expect(other.headers[READ_FROM_HEADER]).toBe('replica');
    // A request that only read records nothing (and costs no position query).
    expect(other.headers[WAL_HEADER]).toBeUndefined();
    expect(['', 'edited just now']).toContain(other.json<{ bio: string | null }>().bio ?? '');

    expect((await call('PUT', '/users/ben/follow', ann)).statusCode).toBe(200);
    const following = await call('GET', '/users/ann/following', ann);
    expect(JSON.stringify(following.json())).toContain('"ben"');

    const after = await reads();
    // ann's reads after her writes went to the primary because of them.
    expect(after.ownWrite).toBeGreaterThan(before.ownWrite);
    expect(after.replica).toBeGreaterThan(before.replica);

    // Later the replica has replayed the edit, and ben sees it there.
    await vi.waitFor(
      async () => {
        const res = await call('GET', '/users/ann', ben);
        expect(res.headers[READ_FROM_HEADER]).toBe('replica');
        expect(res.json()).toMatchObject({ bio: 'edited just now' });
      },
      { timeout: 60_000, interval: 200 },
    );
    const end = await reads();
    console.log(
      `read-your-writes (replica delayed ${DELAY_MS} ms): reads replica ${end.replica}, primary ${end.primary} ` +
        `(own_write ${end.ownWrite}); replica lag now ${end.lag} s`,
    );
  }, 180_000);

  it("a write's checks read the primary, and an event's recipient reads what it tells of at once", async () => {
    const eve = await signUp('eve');
    await vi.waitFor(
      async () => {
        const res = await call('GET', '/users/eve', eve);
        expect(res.headers[READ_FROM_HEADER]).toBe('replica');
      },
      { timeout: 60_000, interval: 200 },
    );
    // dan is brand new: the delayed replica does not have him yet, and eve's last write is older.
    const dan = await signUp('dan');
    // The follow looks dan up before it writes: on the primary (on the replica it would be a 404).
    expect((await call('PUT', '/users/dan/follow', eve)).statusCode).toBe(200);
    // dan wrote nothing since; the follow's notification raised his position, so he sees eve.
    const followers = await call('GET', '/users/dan/followers', dan);
    expect(followers.statusCode).toBe(200);
    expect(JSON.stringify(followers.json())).toContain('"eve"');
    // What makes the above a test: the replica had not replayed dan's sign-up at that point.
    const replica = new pg.Client({ connectionString: pair.replica.url });
    await replica.connect();
    try {
      const { rowCount } = await replica.query("select 1 from users where username = 'dan'");
      expect(rowCount).toBe(0);
    } finally {
      await replica.end();
    }
  }, 120_000);
});
