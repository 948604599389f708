import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { renderBalancer } from './balancer.ts';
import { CACHE_PURGE_MODULE, renderEdge } from './edge.ts';
import { findNginx, NGINX_STATUS_PATH, startNginx } from './nginx.ts';
import { freePort } from './ports.ts';

/** GET `path` on loopback from `localAddress` (Linux routes all of 127/8 to lo). */
function get(port: number, path: string, localAddress: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Asserts nginx's own counters answer loopback's 127.0.0.1 and nobody else. */
async function expectStatusForLoopbackOnly(port: number): Promise<void> {
  const mine = await get(port, NGINX_STATUS_PATH, '127.0.0.1');
  expect(mine.status).toBe(200);
  // stub_status's text, as prometheus-nginx-exporter parses it.
  expect(mine.body).toMatch(/^Active connections: \d+ \nserver accepts handled requests\n \d+ \d+ \d+ \n/);
  const other = await get(port, NGINX_STATUS_PATH, '127.0.0.2');
  expect(other.status).toBe(403);
  expect(other.body).not.toContain('Active connections');
}

describe.skipIf(!findNginx())('nginx_status on the balancers and the edge', () => {
  it('a balancer answers its status itself, to loopback only, never from its upstream', async () => {
    const listenPort = await freePort();
    // An upstream nobody listens on: the status must not need it.
    const conf = renderBalancer({
      listenHost: '127.0.0.1',
      listenPort,
      upstreams: [`127.0.0.1:${await freePort()}`],
      websockets: true,
    });
    const nginx = await startNginx(conf, `http://127.0.0.1:${listenPort}${NGINX_STATUS_PATH}`);
    try {
      await expectStatusForLoopbackOnly(listenPort);
      // Any other path still goes to the tier (here: none answers, so nginx's 502).
      expect((await get(listenPort, '/nginx_status/x', '127.0.0.1')).status).toBe(502);
    } finally {
      await nginx.stop();
    }
  });

  it.skipIf(!existsSync(CACHE_PURGE_MODULE))('the edge answers its status to loopback only', async () => {
    const [listenPort, purgePort] = [await freePort(), await freePort()];
    const conf = renderEdge({
      listenHost: '127.0.0.1',
      listenPort,
      origin: `127.0.0.1:${await freePort()}`,
      bucket: 'graminsta',
      purgeHost: '127.0.0.1',
      purgePort,
      purgeAllow: ['127.0.0.1'],
    });
    const nginx = await startNginx(conf, `http://127.0.0.1:${listenPort}/healthz`);
    try {
      await expectStatusForLoopbackOnly(listenPort);
    } finally {
      await nginx.stop();
    }
  });
});
