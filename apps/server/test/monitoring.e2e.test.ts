import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usingPostgres } from '@graminsta/core/testing/test-db';
import { sendRawBytes } from '@graminsta/topology';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startStage, type StageProcess } from '../src/testing/stage-process.ts';
import { GRAMINSTA_BIN } from '../src/graminsta-bin.ts';
import {
  ARTIFACTS,
  launchChromium,
  logInThrough,
  openPage,
  saveFailureArtifacts,
  signUpThrough,
  unexpectedPageErrors,
} from '../../web/test/browser.ts';
import { ensureWebBuild } from '../../web/test/stage3-topology.ts';
import { prometheusApi } from '../src/testing/prometheus-api.ts';

// `graminsta up --stage 4 --monitor`, once, shared by every test here (and by the operations page
// and doctor tests to come): the PostgreSQL pass runs it. They run in order.
describe.skipIf(!usingPostgres())('stage 4 with --monitor', () => {
  let stage: StageProcess;
  let prometheus: string;
  let promApi: ReturnType<typeof prometheusApi>;
  const query = (promql: string) => promApi.query(promql);

  beforeAll(async () => {
    ensureWebBuild();
    stage = await startStage(4, ['--monitor', '--api', '2', '--web', '1']);
    prometheus = (await stage.topology()).urls.prometheus ?? '';
    promApi = prometheusApi(prometheus);
  }, 240_000);

  afterAll(async () => {
    await stage?.stop();
  }, 180_000);

  it('lists Prometheus in topology.json, beside the fronts, and its exporters as processes', async () => {
    const topology = await stage.topology();
    expect(prometheus).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const roles = topology.processes.map((p) => `${p.name}:${p.role}`);
    expect(roles).toEqual(
      expect.arrayContaining([
        'prometheus:prometheus',
        'postgres-exporter:postgres-exporter',
        'lb-api-exporter:nginx-exporter',
        'lb-web-exporter:nginx-exporter',
        'node-exporter:node-exporter',
      ]),
    );
    expect(stage.output()).toContain(`Prometheus: ${prometheus}`);
    // The database URL reaches the exporter by its environment only.
    expect(JSON.stringify(topology)).not.toContain('postgres://');
  });

  it('scrapes every process of the topology, each target up', async () => {
    const topology = await stage.topology();
    // Everything with /metrics is scraped itself; nginx and PostgreSQL through their exporters.
    const expected = promApi.scrapedNames(topology);
    expect(expected).toEqual(
      expect.arrayContaining([
        'api-1',
        'api-2',
        'web-1',
        'storage-1',
        'storage-2',
        'worker-1',
        'node-exporter',
      ]),
    );
    const all = await promApi.expectTargetsUp(expected);
    // Each balancer has its exporter, labelled with the balancer's name as its tier.
    const watched = all.filter((t) => t.labels.job === 'nginx-exporter').map((t) => t.labels.tier);
    expect(watched.sort()).toEqual(['lb-api', 'lb-web']);
  }, 90_000);

  it('reaches what the exporters watch: nginx and PostgreSQL answer them', async () => {
    await expect
      .poll(async () => (await query('nginx_up')).map((s) => `${s.metric.tier}=${s.value[1]}`).sort(), {
        timeout: 30_000,
        interval: 1_000,
      })
      .toEqual(['lb-api=1', 'lb-web=1']);
    await expect
      .poll(async () => (await query('pg_up')).map((s) => s.value[1]), { timeout: 30_000, interval: 1_000 })
      .toEqual(['1']);
  }, 60_000);

  it('answers a RED query by tier once requests have gone through the balancers', async () => {
    const { urls } = await stage.topology();
    const load = async () => {
      for (let i = 0; i < 20; i++) {
        const [a, w] = await Promise.all([fetch(`${urls.api}/healthz`), fetch(`${urls.web}/`)]);
        await Promise.all([a.arrayBuffer(), w.arrayBuffer()]);
      }
    };
    const rateByTier = async () => {
      await load();
      const rows = await query('sum by (tier) (rate(graminsta_http_request_duration_seconds_count[1m]))');
      return Object.fromEntries(rows.map((r) => [r.metric.tier, Number(r.value[1])]));
    };
    // Requests keep coming while it asks: a rate needs two scrapes with the counter grown between.
    let rates: Record<string, number> = {};
    await expect
      .poll(
        async () => {
          rates = await rateByTier();
          return Math.min(rates.api ?? 0, rates.web ?? 0);
        },
        { timeout: 60_000, interval: 1_000 },
      )
      .toBeGreaterThan(0);
    expect(Object.keys(rates)).toEqual(expect.arrayContaining(['api', 'web']));
  }, 90_000);

  it('reads the machine through node_exporter: the CPU and disk figures the alert rules watch', async () => {
    // PrimaryCpuHigh's and DiskSpaceLow's expressions without their thresholds: real numbers.
    const busy = async () =>
      query(
        '100 * (1 - avg by (tier) (rate(node_cpu_seconds_total{mode="idle", tier=~"postgres|postgres-primary"}[1m])))',
      );
    await expect.poll(async () => (await busy()).length, { timeout: 30_000, interval: 1_000 }).toBe(1);
    const [cpu] = await busy();
    expect(cpu!.metric.tier).toBe('postgres');
    expect(Number(cpu!.value[1])).toBeGreaterThanOrEqual(0);
    expect(Number(cpu!.value[1])).toBeLessThanOrEqual(100);
    const free = await query(
      'node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay|squashfs"}',
    );
    expect(free.length).toBeGreaterThan(0);
    for (const f of free) {
      expect(Number(f.value[1]), f.metric.mountpoint).toBeGreaterThan(0);
      expect(Number(f.value[1]), f.metric.mountpoint).toBeLessThanOrEqual(1);
    }
  }, 60_000);

  it('evaluates the alert rules of deploy/prometheus/alerts.yml, none firing on a healthy stage', async () => {
    const { groups } = await promApi.api<{
      groups: Array<{ rules: Array<{ name: string; state: string }> }>;
    }>('rules?type=alert');
    const rules = groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.name)).toEqual(
      expect.arrayContaining(['TargetDown', 'HighErrorRate', 'HighP99Latency', 'ReplicaLagging']),
    );
    expect(rules.filter((r) => r.state === 'firing').map((r) => r.name)).toEqual([]);
  });

  it('Prometheus and the exporters shrug off hostile bytes on their listeners', async () => {
    const topology = await stage.topology();
    const monitoring = topology.processes.filter(
      (p) => p.role === 'prometheus' || p.role.endsWith('-exporter'),
    );
    for (const p of monitoring) {
      await sendRawBytes('127.0.0.1', p.port!, randomBytes(4096), 500);
      await sendRawBytes(
        '127.0.0.1',
        p.port!,
        Buffer.from('GET /\xff\xfe\x00 HTTP/1.1\r\nHost: \x01\r\n\r\n', 'latin1'),
        500,
      );
    }
    for (const p of monitoring) {
      const res = await fetch(`http://127.0.0.1:${p.port}/metrics`);
      expect(res.status, p.name).toBe(200);
      await res.arrayBuffer();
    }
    expect((await stage.topology()).processes.filter((p) => p.restarts > 0)).toEqual([]);
  });

  it('in Chromium: the operations page shows the request rate moving while a load driver runs', async () => {
    const { urls } = await stage.topology();
    const password = 'an operator password';
    const account = await fetch(`${urls.api}/api/v1/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ops_operator', password }),
    });
    expect(account.status).toBe(201);
    await promisify(execFile)(process.execPath, [GRAMINSTA_BIN, 'admin', 'grant', 'ops_operator'], {
      env: { ...process.env, DATABASE_URL: stage.databaseUrl, DATA_DIR: stage.dataDir, LOG_LEVEL: 'warn' },
    });

    // The load driver: profile reads through the API's balancer until the page has seen them.
    let driving = true;
    let sent = 0;
    let failed = 0;
    const driver = (async () => {
      while (driving) {
        const res = await fetch(`${urls.api}/api/v1/users/ops_operator`).catch(() => null);
        await res?.arrayBuffer();
        if (res?.status === 200) sent += 1;
        else failed += 1;
      }
    })();

    const browser = await launchChromium();
    const operator = await openPage(browser, 'ops-operator', { width: 1280, height: 1000 });
    const plain = await openPage(browser, 'ops-plain', { width: 900, height: 700 });
    try {
      await logInThrough(operator, urls.web, 'ops_operator', password);
      // Operators find the page in the navigation.
      await operator.page.getByRole('link', { name: 'Operations' }).first().click();
      await operator.page.getByRole('heading', { name: 'Operations', level: 1 }).waitFor();
      await operator.page.getByLabel('Window').selectOption('5m');
      const apiRate = operator.page.getByTestId('ops-chart-request-rate').locator('li[data-series="api"]');
      const latest = async () =>
        Number((await apiRate.getAttribute('data-value', { timeout: 2_000 })) ?? '0');
      await expect.poll(latest, { timeout: 90_000, interval: 1_000 }).toBeGreaterThan(0);
      const first = await latest();
      // The page reads the charts again by itself: the latest value moves with the load.
      await expect.poll(latest, { timeout: 60_000, interval: 1_000 }).not.toBe(first);
      expect(await latest()).toBeGreaterThan(0);
      await operator.page.getByTestId('ops-chart-request-rate').locator('canvas').first().waitFor();
      const dir = join(ARTIFACTS, 'ops-page');
      await mkdir(dir, { recursive: true });
      await operator.page.screenshot({ path: join(dir, 'ops.png'), fullPage: true });

      // Anyone else is told the page is for moderators, and the API refuses them.
      await signUpThrough(plain, urls.web, 'ops_plain', password);
      await plain.page.goto(`${urls.web}/ops`);
      await plain.page.getByText('Only moderators can see the operations page.').waitFor();
      expect(await plain.page.getByRole('link', { name: 'Operations' }).count()).toBe(0);
      expect((await fetch(`${urls.api}/api/v1/admin/ops`)).status).toBe(401);
      expect([...unexpectedPageErrors(operator), ...unexpectedPageErrors(plain)]).toEqual([]);
    } catch (err) {
      const dir = await saveFailureArtifacts('ops-page-failure', [operator, plain], {});
      throw new Error(`${String(err)}\n(screenshots and console in ${dir})`, { cause: err });
    } finally {
      driving = false;
      await driver;
      await operator.context.close();
      await plain.context.close();
      await browser.close();
    }
    expect(sent).toBeGreaterThan(0);
    expect(failed).toBe(0);
  }, 240_000);
});
