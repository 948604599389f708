import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBinary, stageTopology } from '@graminsta/topology';
import { Supervised } from './child.ts';
import { Monitor, redactor, withSslMode } from './monitor.ts';

describe("the monitor's handling of database URLs", () => {
  it("hides a URL's password in whatever an exporter logs, encoded or not", () => {
    const redact = redactor([
      'postgres://graminsta:s3cr%40t@db.example:5432/app',
      undefined,
      'redis://127.0.0.1:6379',
    ]);
    expect(redact('connecting to postgres://graminsta:s3cr@t@db.example:5432/app failed: s3cr@t')).toBe(
      'connecting to postgres://graminsta:***@db.example:5432/app failed: ***',
    );
    // No password, nothing to hide: the line is left as it was.
    expect(redact('redis://127.0.0.1:6379 up')).toBe('redis://127.0.0.1:6379 up');
  });

  it('gives the exporter no TLS unless the URL asks for it, as node-postgres does', () => {
    expect(withSslMode('postgres://postgres@127.0.0.1:5432/g')).toBe(
      'postgres://postgres@127.0.0.1:5432/g?sslmode=disable',
    );
    expect(withSslMode('postgres://u:p@db.example/g?sslmode=require')).toBe(
      'postgres://u:p@db.example/g?sslmode=require',
    );
  });
});

/** A stand-in app instance: /metrics with one counter. */
async function fakeInstance(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end('# TYPE graminsta_demo_total counter\ngraminsta_demo_total 1\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.skipIf(!findBinary('prometheus', process.env.PROMETHEUS_BIN))(
  'the monitor on a real Prometheus',
  () => {
    it('scrapes the instances it was started with, and those added later once reload() is called', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'graminsta-monitor-'));
      const [one, two] = [await fakeInstance(), await fakeInstance()];
      const children: Supervised[] = [];
      const instance = (name: string, port: number) =>
        ({ spec: { name, role: 'api,realtime', group: 'api', port } }) as Supervised;
      children.push(instance('api-1', one.port));
      const monitor = await Monitor.create({
        stage: 1,
        // Stage 1: no database server, no nginx, so no exporter; only Prometheus is started.
        shape: stageTopology(1),
        host: '127.0.0.1',
        dataDir,
        log: () => undefined,
        add: (spec) => {
          const child = new Supervised(
            spec,
            () => undefined,
            () => undefined,
          );
          children.push(child);
          child.start();
          return child;
        },
        children: () => children,
      });
      const up = async () => {
        const res = await fetch(`${monitor.url}/api/v1/targets?state=active`);
        const body = (await res.json()) as {
          data: { activeTargets: Array<{ labels: Record<string, string>; health: string }> };
        };
        return body.data.activeTargets
          .filter((t) => t.health === 'up')
          .map((t) => `${t.labels.job}/${t.labels.instance_name}`)
          .sort();
      };
      try {
        await monitor.start({});
        await expect
          .poll(up, { timeout: 30_000, interval: 500 })
          .toEqual(['api/api-1', 'prometheus/prometheus']);
        children.push(instance('api-2', two.port));
        await monitor.reload();
        await expect
          .poll(up, { timeout: 30_000, interval: 500 })
          .toEqual(['api/api-1', 'api/api-2', 'prometheus/prometheus']);
      } finally {
        await Promise.all(children.filter((c) => c.child).map((c) => c.stop('SIGTERM', 10_000)));
        await Promise.all([one.close(), two.close()]);
        await rm(dataDir, { recursive: true, force: true });
      }
    }, 90_000);
  },
);
