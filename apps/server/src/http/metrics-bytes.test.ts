import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countSocketBytes } from './metrics-bytes.ts';

async function counted(registry: Registry, name: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return Number(metric?.values[0]?.value ?? NaN);
}

describe('socket byte counters on a real listener', () => {
  const registry = new Registry();
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // Answers without reading the body, as a route refusing it would: the bytes still arrive.
    server = createServer((req, res) => {
      req.resume();
      req.once('end', () => res.end('ok'));
    });
    countSocketBytes(server, registry);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('counts every byte a request carried, on open and closed connections alike', async () => {
    const before = await counted(registry, 'graminsta_http_received_bytes_total');
    const body = Buffer.alloc(3 * 1024 * 1024, 1);
    const res = await fetch(url, { method: 'POST', body });
    expect(await res.text()).toBe('ok');
    const after = await counted(registry, 'graminsta_http_received_bytes_total');
    expect(after - before).toBeGreaterThanOrEqual(body.length);
    expect(after - before).toBeLessThan(body.length + 2048);
  });

  it('moves by a small request only a little, and never down as connections close', async () => {
    const before = await counted(registry, 'graminsta_http_received_bytes_total');
    const sentBefore = await counted(registry, 'graminsta_http_sent_bytes_total');
    await (await fetch(url, { headers: { connection: 'close' } })).text();
    await new Promise((r) => setTimeout(r, 50));
    const after = await counted(registry, 'graminsta_http_received_bytes_total');
    expect(after - before).toBeGreaterThan(0);
    expect(after - before).toBeLessThan(1024);
    expect(await counted(registry, 'graminsta_http_sent_bytes_total')).toBeGreaterThan(sentBefore);
    expect(await counted(registry, 'graminsta_http_received_bytes_total')).toBe(after);
  });
});
