import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startObjectStore, type ObjectStoreServer } from '@graminsta/platform/blob/object-store-server';
import {
  freePort,
  renderEdge,
  sendRawBytes,
  startChild,
  startNginx,
  type Child,
  type NginxProcess,
} from '@graminsta/topology';
import { GRAMINSTA_BIN } from '../graminsta-bin.ts';
import { freeUdpPort } from '../supervisor/monitor.ts';
import { parseEdgeLine } from './edge-cache-exporter.ts';

// What nginx sends for `access_log syslog:…,tag=edge,nohostname edge_cache` (RFC 3164, no host).
const syslog = (fields: string) => Buffer.from(`<190>Dec  4 04:40:00 edge: graminsta-edge ${fields}`);

const sendUdp = (port: number, datagrams: readonly Buffer[]) =>
  new Promise<void>((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    let left = datagrams.length;
    for (const d of datagrams)
      socket.send(d, port, '127.0.0.1', (err) => {
        if (err) return reject(err);
        if (--left === 0) socket.close(() => resolve());
      });
  });

/** `name{labels} value` lines of a /metrics text, keyed by name and labels. */
async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const m = /^(graminsta_edge_\w+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe('parseEdgeLine', () => {
  it("reads nginx's syslog line: outcome, status class and bytes", () => {
    expect(parseEdgeLine(syslog('HIT 200 20000'))).toEqual({ cache: 'hit', code: '2xx', bytes: 20000 });
    expect(parseEdgeLine(syslog('MISS 304 0'))).toEqual({ cache: 'miss', code: '3xx', bytes: 0 });
    // `-`: the request never reached the cache (a 404 nginx answered itself).
    expect(parseEdgeLine(syslog('- 404 0'))).toEqual({ cache: 'none', code: '4xx', bytes: 0 });
    expect(parseEdgeLine(syslog('STALE 502 157'))).toEqual({ cache: 'stale', code: '5xx', bytes: 157 });
  });

  it('rejects anything else: other outcomes, statuses, numbers, marks and sizes', () => {
    for (const bad of [
      syslog('hit 200 1'),
      syslog('PURGED 200 1'),
      syslog('HIT 600 1'),
      syslog('HIT 20 1'),
      syslog('HIT 200 -1'),
      syslog('HIT 200 1234567890123456'),
      syslog('HIT 200 1 extra'),
      Buffer.from('graminsta-edgeHIT 200 1'),
      Buffer.from('HIT 200 1'),
      Buffer.concat([syslog('HIT 200 1'), Buffer.from([0xff, 0xfe])]),
      Buffer.concat([Buffer.alloc(2000, 'a'), syslog('HIT 200 1')]),
      Buffer.alloc(0),
    ])
      expect(parseEdgeLine(bad), bad.toString('latin1').slice(-40)).toBeNull();
  });
});

describe('graminsta edge-exporter (a real process)', () => {
  let exporter: Child;
  let url: string;
  let syslogPort: number;

  beforeAll(async () => {
    const httpPort = await freePort();
    syslogPort = await freeUdpPort('127.0.0.1');
    url = `http://127.0.0.1:${httpPort}`;
    exporter = await startChild({
      name: 'edge-exporter',
      command: process.execPath,
      args: [GRAMINSTA_BIN, 'edge-exporter', '--port', String(httpPort), '--syslog-port', String(syslogPort)],
      env: { ...process.env, HOST: '127.0.0.1' },
      readyLine: /Edge cache exporter is ready at (\S+)/,
    });
  }, 60_000);
  afterAll(async () => {
    await exporter?.stop();
  });

  it('counts what the edge logs and drops hostile datagrams, still serving /metrics and /healthz', async () => {
    const hostile = [
      randomBytes(512),
      randomBytes(60_000),
      Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xf0, 0x28, 0x8c, 0xbc]),
      Buffer.from('\x00\x01\x02\x1b[2J graminsta-edge HIT 200 1\r\x07', 'latin1'),
      syslog(`HIT 200 ${'9'.repeat(400)}`),
      Buffer.alloc(0),
    ];
    await sendUdp(syslogPort, hostile);
    await sendUdp(syslogPort, [syslog('MISS 200 20000'), syslog('HIT 200 20000'), syslog('HIT 200 20000')]);
    await expect
      .poll(async () => (await scrape(url)).get('graminsta_edge_requests_total{cache="hit",code="2xx"}'), {
        timeout: 10_000,
      })
      .toBe(2);
    const metrics = await scrape(url);
    expect(metrics.get('graminsta_edge_requests_total{cache="miss",code="2xx"}')).toBe(1);
    expect(metrics.get('graminsta_edge_sent_bytes_total{cache="hit"}')).toBe(40_000);
    // Every hostile datagram that arrived was rejected, none counted as a request.
    expect(metrics.get('graminsta_edge_log_rejected_total')).toBeGreaterThanOrEqual(hostile.length - 1);
    expect([...metrics.keys()].filter((k) => k.startsWith('graminsta_edge_requests_total')).length).toBe(2);

    // Its HTTP listener: raw junk, broken UTF-8, a huge head, a body where none belongs.
    await sendRawBytes('127.0.0.1', Number(new URL(url).port), randomBytes(8192), 500);
    await sendRawBytes(
      '127.0.0.1',
      Number(new URL(url).port),
      Buffer.from('GET /\xff\xfe\x00 HTTP/1.1\r\nHost: \x01\r\n\r\n', 'latin1'),
      500,
    );
    const huge = await fetch(`${url}/metrics`, { headers: { 'x-big': 'a'.repeat(20_000) } });
    expect(huge.status).toBe(431);
    const posted = await fetch(`${url}/metrics`, { method: 'POST', body: '{"a":'.repeat(10_000) });
    expect(posted.status).toBeGreaterThanOrEqual(400);
    expect(posted.status).toBeLessThan(500);
    const unknown = await fetch(`${url}/nothing`);
    expect(unknown.status).toBe(404);

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    expect(exporter.process.exitCode).toBeNull();
  });
});

// A real nginx edge in front of a real object store, logging to the exporter: what Prometheus
// would read is what nginx did. Heavy (nginx, s3rver): once, on the PostgreSQL pass.
describe.skipIf(process.env.TEST_DATABASE !== 'postgres')(
  'the edge logs each cache outcome to its exporter',
  () => {
    let dir: string;
    let store: ObjectStoreServer;
    let nginx: NginxProcess;
    let exporter: Child;
    let edge: string;
    let exporterUrl: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'graminsta-edge-log-'));
      store = await startObjectStore({ dir, bucket: 'graminsta' });
      const [port, purgePort, httpPort] = [await freePort(), await freePort(), await freePort()];
      const syslogPort = await freeUdpPort('127.0.0.1');
      exporterUrl = `http://127.0.0.1:${httpPort}`;
      exporter = await startChild({
        name: 'edge-exporter',
        command: process.execPath,
        args: [
          GRAMINSTA_BIN,
          'edge-exporter',
          '--port',
          String(httpPort),
          '--syslog-port',
          String(syslogPort),
        ],
        env: { ...process.env, HOST: '127.0.0.1' },
        readyLine: /Edge cache exporter is ready at (\S+)/,
      });
      edge = `http://127.0.0.1:${port}`;
      nginx = await startNginx(
        renderEdge({
          listenHost: '127.0.0.1',
          listenPort: port,
          origin: new URL(store.url).host,
          bucket: 'graminsta',
          purgeHost: '127.0.0.1',
          purgePort,
          purgeAllow: ['127.0.0.1'],
          cacheLog: { host: '127.0.0.1', port: syslogPort },
        }),
        `${edge}/healthz`,
      );
    }, 60_000);
    afterAll(async () => {
      await nginx?.stop();
      await exporter?.stop();
      await store?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('a miss, then hits, then a missing key: counted by outcome with the bytes sent', async () => {
      const s3 = new S3Client({
        endpoint: store.url,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      const body = randomBytes(12_345);
      const key = `p/7/${createHash('sha256').update(body).digest('hex')}.webp`;
      await s3.send(
        new PutObjectCommand({ Bucket: 'graminsta', Key: key, Body: body, ContentType: 'image/webp' }),
      );
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${edge}/${key}`);
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
      const absent = await fetch(`${edge}/p/7/${'0'.repeat(64)}.webp`);
      expect(absent.status).toBe(404);
      await absent.arrayBuffer();
      // Not a public key: nginx answers itself, the cache never consulted, nothing logged.
      await (await fetch(`${edge}/uploads/secret`)).arrayBuffer();

      await expect
        .poll(
          async () =>
            (await scrape(exporterUrl)).get('graminsta_edge_requests_total{cache="hit",code="2xx"}'),
          {
            timeout: 10_000,
          },
        )
        .toBe(3);
      const metrics = await scrape(exporterUrl);
      expect(metrics.get('graminsta_edge_requests_total{cache="miss",code="2xx"}')).toBe(1);
      expect(metrics.get('graminsta_edge_requests_total{cache="miss",code="4xx"}')).toBe(1);
      expect(metrics.get('graminsta_edge_sent_bytes_total{cache="hit"}')).toBe(3 * 12_345);
      expect(metrics.get('graminsta_edge_log_rejected_total')).toBe(0);
      s3.destroy();
    }, 60_000);
  },
);
