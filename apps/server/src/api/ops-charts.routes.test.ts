import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS_WINDOWS } from '@graminsta/contracts';
import { findBinary, freePort } from '@graminsta/topology';
import { createTestApp, type TestApp } from '../testing/test-app.ts';
import { brokenEscape, percentEncode, CONTROL_CHARACTERS } from '../testing/hostile.ts';
import { startTestPrometheus, type TestPrometheus } from '../testing/test-prometheus.ts';
import fc from 'fast-check';

const CHART_IDS = [
  'request-rate',
  'error-rate',
  'latency-p99',
  'db-queries',
  'db-latency-p99',
  'cache-hit-ratio',
  'edge-hit-ratio',
  'queue-depth',
  'queue-wait-p95',
  'realtime-connections',
  'realtime-delivery-p99',
];

const get = (t: TestApp, url: string, token?: string) =>
  t.app.inject({
    method: 'GET',
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

/** A moderator's and a plain user's tokens. */
async function operators(t: TestApp) {
  const mod = await t.signUp('operator');
  await t.comp.services.moderation.setRole('operator', 'moderator');
  return { mod, user: await t.signUp('plain') };
}

interface Answer {
  window: string;
  stepSeconds: number;
  charts: Array<{ id: string; unit: string; series: Array<{ name: string; points: [number, number][] }> }>;
}

describe.skipIf(!findBinary('prometheus', process.env.PROMETHEUS_BIN))(
  'GET /api/v1/admin/ops against a real Prometheus scraping the app',
  () => {
    let t: TestApp;
    let prometheus: TestPrometheus;
    let tokens: { mod: string; user: string };

    beforeAll(async () => {
      const port = await freePort();
      prometheus = await startTestPrometheus([
        { job: 'api', targets: [{ address: `127.0.0.1:${port}`, labels: { instance_name: 'api-1' } }] },
      ]);
      t = await createTestApp({ PROMETHEUS_URL: prometheus.url });
      await t.app.listen({ port, host: '127.0.0.1' });
      tokens = await operators(t);
    }, 90_000);

    afterAll(async () => {
      await t?.close();
      await prometheus?.stop();
    });

    it('refuses anyone but a moderator: 401 signed out, 403 for a plain user', async () => {
      expect((await get(t, '/api/v1/admin/ops')).statusCode).toBe(401);
      const refused = await get(t, '/api/v1/admin/ops', tokens.user);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('forbidden');
    });

    it('draws the request rate of the api tier from what Prometheus scraped, moving under load', async () => {
      const rate = async () => {
        // Traffic between polls: the chart is of real requests, not of Prometheus's scrapes.
        for (let i = 0; i < 20; i += 1) await get(t, '/api/v1/users/operator', tokens.user);
        const res = await get(t, '/api/v1/admin/ops?window=5m', tokens.mod);
        expect(res.statusCode).toBe(200);
        const body = res.json() as Answer;
        const chart = body.charts.find((c) => c.id === 'request-rate')!;
        return chart.series.find((s) => s.name === 'api')?.points.at(-1)?.[1] ?? 0;
      };
      await expect.poll(rate, { timeout: 45_000, interval: 1_000 }).toBeGreaterThan(0);

      const body = (await get(t, '/api/v1/admin/ops?window=5m', tokens.mod)).json() as Answer;
      expect(body.window).toBe('5m');
      expect(body.stepSeconds).toBe(5);
      expect(body.charts.map((c) => c.id)).toEqual(CHART_IDS);
      const now = Date.now() / 1000;
      for (const chart of body.charts) {
        expect(chart.series.length).toBeLessThanOrEqual(12);
        for (const s of chart.series) {
          // Series are named by tier, state or job name: never a raw URL, id or username.
          expect(s.name).toMatch(/^[a-z_.-]+$/);
          for (const [at, value] of s.points) {
            expect(at).toBeGreaterThanOrEqual(now - 300 - 60);
            expect(at).toBeLessThanOrEqual(now + 5);
            expect(Number.isFinite(value)).toBe(true);
          }
        }
      }
      // The database chart moves too: every request above read the users table.
      const db = body.charts.find((c) => c.id === 'db-queries')!;
      expect(db.series.find((s) => s.name === 'api')?.points.some(([, v]) => v > 0)).toBe(true);
    });

    it('takes only a window from its allowed set; 15m when none is given', async () => {
      for (const window of OPS_WINDOWS) {
        const res = await get(t, `/api/v1/admin/ops?window=${window}`, tokens.mod);
        expect(res.statusCode, window).toBe(200);
        expect(res.json().window).toBe(window);
      }
      expect((await get(t, '/api/v1/admin/ops', tokens.mod)).json().window).toBe('15m');
    });

    it('answers hostile windows with a 400 and stays up', async () => {
      const fixed = [
        '1d',
        '5M',
        '-5m',
        '5m%20',
        '5m&window=1h',
        '9'.repeat(5000),
        ...CONTROL_CHARACTERS.map((c) => `5m${percentEncode(c)}`),
        'rate(up[5m])',
      ];
      for (const value of fixed) {
        const res = await get(t, `/api/v1/admin/ops?window=${value}`, tokens.mod);
        expect(res.statusCode, value.slice(0, 40)).toBe(400);
        expect(res.body).not.toContain(prometheus.url);
      }
      await fc.assert(
        fc.asyncProperty(brokenEscape, async (value) => {
          const res = await get(t, `/api/v1/admin/ops?window=${value}`, tokens.mod);
          expect(res.statusCode).toBeGreaterThanOrEqual(400);
          expect(res.statusCode).toBeLessThan(500);
        }),
        { numRuns: 25 },
      );
      expect((await get(t, '/healthz')).statusCode).toBe(200);
    });
  },
);

describe('GET /api/v1/admin/ops when Prometheus is off, down or stuck', () => {
  let stuck: Server;
  let stuckPort: number;
  const held = new Set<Socket>();
  const apps: TestApp[] = [];

  beforeAll(async () => {
    // Accepts connections and never answers: a Prometheus hung under load.
    stuck = createServer((socket) => {
      held.add(socket);
      socket.on('close', () => held.delete(socket));
    });
    await new Promise<void>((resolve) => stuck.listen(0, '127.0.0.1', resolve));
    stuckPort = (stuck.address() as { port: number }).port;
  });

  afterAll(async () => {
    for (const a of apps) await a.close();
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => stuck.close(() => resolve()));
  });

  async function appWith(env: Record<string, string>) {
    const t = await createTestApp(env);
    apps.push(t);
    return { t, ...(await operators(t)) };
  }

  it('answers 503 monitoring_off without PROMETHEUS_URL, still refusing non-moderators first', async () => {
    const { t, mod, user } = await appWith({});
    expect((await get(t, '/api/v1/admin/ops', user)).statusCode).toBe(403);
    const res = await get(t, '/api/v1/admin/ops', mod);
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('monitoring_off');
  }, 60_000);

  it('answers 502 monitoring_unreachable when nothing listens there, naming no address', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { t, mod } = await appWith({ PROMETHEUS_URL: url });
    const res = await get(t, '/api/v1/admin/ops', mod);
    expect(res.statusCode).toBe(502);
    expect(res.json().error.code).toBe('monitoring_unreachable');
    expect(res.body).not.toContain('127.0.0.1');
  }, 60_000);

  it('gives up on a Prometheus that never answers (502), and the process still serves', async () => {
    const { t, mod } = await appWith({ PROMETHEUS_URL: `http://127.0.0.1:${stuckPort}` });
    const res = await get(t, '/api/v1/admin/ops', mod);
    expect(res.statusCode).toBe(502);
    expect(res.json().error.code).toBe('monitoring_unreachable');
    expect((await get(t, '/healthz')).statusCode).toBe(200);
  }, 60_000);
});
