import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, runWithQueryOrigin } from '@graminsta/platform';
import { createTestDatabase, usingPostgres, type TestDatabase } from '@graminsta/core/testing/test-db';
import { createRuntime, type RuntimeContext } from '../runtime.ts';
import { seriesOf } from '../testing/metrics-text.ts';
import { createHttpKernel } from './kernel.ts';

interface Line {
  msg?: string;
  statement?: string;
  ms?: number;
  route?: string;
  requestId?: string;
  job?: string;
  origin?: string;
}

// A real kernel (its hooks are what is under test) with routes of the test's own on a real database.
async function world(slowQueryMs: string) {
  const lines: Line[] = [];
  const logger = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  const runtime: RuntimeContext = createRuntime(
    loadConfig({ LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: '0', SLOW_QUERY_MS: slowQueryMs }),
    { logger, defaultMetrics: false },
  );
  const testDb = await createTestDatabase({ onQuery: runtime.metrics.observeQuery });
  const app = await createHttpKernel(runtime, { checkReady: async () => {} });
  const sleep = (value: string) => testDb.database.db.execute(sql`select pg_sleep(0.3), ${value}::text`);
  app.get('/slow/:photoId', async () => {
    await sleep('secret-parameter-value');
    return { ok: true };
  });
  app.post('/slow-body', async (request) => {
    await sleep(JSON.stringify(request.body));
    return { ok: true };
  });
  let release: () => void = () => {};
  app.get('/hang', async () => {
    await new Promise<void>((resolve) => (release = resolve));
    return { ok: true };
  });
  await app.ready();
  const slowLines = () => lines.filter((l) => l.msg === 'slow query');
  return { app, runtime, testDb, slowLines, release: () => release() };
}

async function metricsText(app: FastifyInstance): Promise<string> {
  return (await app.inject({ method: 'GET', url: '/metrics' })).body;
}

describe('slow queries are logged with the route and request id that issued them', () => {
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    w = await world('200');
  });
  afterAll(async () => {
    await w.app.close();
    await w.testDb.close();
  });

  it('names the route pattern and request id, never the SQL parameters', async () => {
    const res = await w.app.inject({
      method: 'GET',
      url: '/slow/01HZY3QK4M7V9X2B5C8D0E1F2G',
      headers: { 'x-request-id': 'probe-request-1' },
    });
    expect(res.statusCode).toBe(200);
    const [line, ...more] = w.slowLines();
    expect(more).toEqual([]);
    expect(line).toMatchObject({ statement: 'other', route: '/slow/:photoId', requestId: 'probe-request-1' });
    expect(typeof line?.ms).toBe('number');
    expect(JSON.stringify(line)).not.toContain('secret-parameter-value');
    expect(JSON.stringify(line)).not.toContain('01HZY3QK4M7V9X2B5C8D0E1F2G');
    expect(seriesOf(await metricsText(w.app), 'graminsta_db_slow_queries_total')).toEqual([
      { labels: { statement: 'other' }, value: 1 },
    ]);
  });

  it('keeps the request as the issuer after its body was parsed', async () => {
    const before = w.slowLines().length;
    const res = await w.app.inject({ method: 'POST', url: '/slow-body', payload: { note: 'x' } });
    expect(res.statusCode).toBe(200);
    const line = w.slowLines()[before];
    expect(line).toMatchObject({ route: '/slow-body', requestId: res.headers['x-request-id'] });
  });

  it('names the job for a query a job makes, and says unknown outside any', async () => {
    const before = w.slowLines().length;
    // Awaited inside: drizzle's query starts when awaited, not when built.
    await runWithQueryOrigin({ job: 'photo.process' }, async () => {
      await w.testDb.database.db.execute(sql`select pg_sleep(0.3)`);
    });
    await w.testDb.database.db.execute(sql`select pg_sleep(0.3)`);
    const [job, unknown] = w.slowLines().slice(before);
    expect(job).toMatchObject({ statement: 'other', job: 'photo.process' });
    expect(job?.route).toBeUndefined();
    expect(unknown).toMatchObject({ statement: 'other', origin: 'unknown' });
  });

  it('counts requests in flight, and one whose client went away is no longer counted', async () => {
    await w.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = w.app.server.address() as { port: number };
    const inFlight = async () => (await w.runtime.metrics.httpInFlight.get()).values[0]?.value ?? 0;
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write('GET /hang HTTP/1.1\r\nhost: x\r\n\r\n');
    await expect.poll(inFlight, { timeout: 10_000 }).toBe(1);
    socket.destroy();
    await expect.poll(inFlight, { timeout: 10_000 }).toBe(0);
    w.release();
    // Answered requests come and go as well.
    expect((await w.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    await expect.poll(inFlight, { timeout: 10_000 }).toBe(0);
  });

  it('collapses every unmatched or hostile path into one route label, and still answers', async () => {
    const hostile = [
      '/nope/123',
      '/nope/01HZY3QK4M7V9X2B5C8D0E1F2G',
      '/%ff%fe%00',
      `/${'a'.repeat(5000)}`,
      '/%C3%28/%E2%82',
      '/\u0001\u0002?x=%00',
      `/${Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37) % 256)).toString('latin1')}`,
    ];
    for (const url of hostile) {
      const res = await w.app.inject({ method: 'GET', url, headers: { 'x-request-id': '\u0000'.repeat(9) } });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
    }
    const text = await metricsText(w.app);
    const routes = new Set(
      seriesOf(text, 'graminsta_http_request_duration_seconds_count').map((s) => s.labels.route),
    );
    expect([...routes].filter((r) => r !== undefined && !r.startsWith('/slow') && r !== '/hang')).toEqual(
      expect.arrayContaining(['unmatched']),
    );
    for (const r of routes)
      expect(['unmatched', '/healthz', '/metrics', '/slow/:photoId', '/slow-body', '/hang']).toContain(r);
    expect((await w.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});

describe('SLOW_QUERY_MS=0', () => {
  it('logs and counts no slow query', async () => {
    const w = await world('0');
    try {
      expect((await w.app.inject({ method: 'GET', url: '/slow/1' })).statusCode).toBe(200);
      expect(w.slowLines()).toEqual([]);
      expect(seriesOf(await metricsText(w.app), 'graminsta_db_slow_queries_total')).toEqual([]);
    } finally {
      await w.app.close();
      await w.testDb.close();
    }
  });
});

describe.skipIf(!usingPostgres())('connection pool gauge (PostgreSQL)', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(() => testDb.close());

  it('shows the pool full and a query waiting for a client while every client is busy', async () => {
    const runtime = createRuntime(loadConfig({ LOG_LEVEL: 'silent' }), {
      logger: pino({ level: 'silent' }),
      defaultMetrics: false,
    });
    runtime.metrics.watchPools(testDb.database.connections);
    const state = async (s: string) =>
      (await runtime.metrics.dbPoolConnections.get()).values.find(
        (v) => v.labels.pool === 'primary' && v.labels.state === s,
      )?.value;
    // The test database's pool has 5 clients: a sixth query has to wait for one.
    let stop = false;
    const busy = Array.from({ length: 6 }, () =>
      testDb.database.db.execute(sql`select pg_sleep(0.05) from generate_series(1, 40)`),
    );
    void Promise.allSettled(busy).then(() => (stop = true));
    await expect.poll(() => state('waiting'), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    expect(await state('total')).toBe(5);
    expect(stop).toBe(false);
    await Promise.all(busy);
    expect(await state('waiting')).toBe(0);
    expect(await state('idle')).toBe(await state('total'));
  });
});
