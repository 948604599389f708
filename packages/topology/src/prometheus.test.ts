import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Child } from './child.ts';
import { freePort } from './ports.ts';
import { findBinary, renderPrometheusConfig, startPrometheus } from './prometheus.ts';

const HOST = '127.0.0.1';

describe.skipIf(!findBinary('prometheus', process.env.PROMETHEUS_BIN))('a Prometheus of our own', () => {
  let dir: string;
  let prometheus: Child | undefined;
  let promPort: number;
  let hits = 0;
  const target = createServer((req, res) => {
    hits += 1;
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(`# TYPE demo_requests_total counter\ndemo_requests_total ${hits}\n`);
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'graminsta-prometheus-'));
    await new Promise<void>((resolve) => target.listen(0, HOST, resolve));
    const { port } = target.address() as { port: number };
    promPort = await freePort();
    prometheus = await startPrometheus({
      host: HOST,
      port: promPort,
      dir,
      config: renderPrometheusConfig({
        scrapeIntervalSeconds: 1,
        jobs: [
          { job: 'demo', targets: [{ address: `${HOST}:${port}`, labels: { instance_name: 'demo-1' } }] },
        ],
        externalLabels: { stage: 'test' },
      }),
    });
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await new Promise<void>((resolve) => target.close(() => resolve()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('scrapes the targets of the configuration it was given, with their labels', async () => {
    const query = async () => {
      const res = await fetch(`http://${HOST}:${promPort}/api/v1/query?query=demo_requests_total`);
      const body = (await res.json()) as {
        data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
      };
      return body.data.result;
    };
    await expect
      .poll(async () => (await query()).map((r) => r.metric.instance_name), {
        timeout: 30_000,
        interval: 500,
      })
      .toEqual(['demo-1']);
    const first = Number((await query())[0]!.value[1]);
    // It keeps scraping: the counter it stored grows.
    await expect
      .poll(async () => Number((await query())[0]!.value[1]), { timeout: 30_000, interval: 500 })
      .toBeGreaterThan(first);
  });
});
