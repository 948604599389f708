import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startObjectStore, type ObjectStoreServer } from '@graminsta/platform/blob/object-store-server';
import { IMMUTABLE, renderEdge } from './edge.ts';
import { startNginx, type NginxProcess } from './nginx.ts';
import { freePort } from './ports.ts';
import { sendRawBytes } from './raw-socket.ts';

const BUCKET = 'graminsta';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// A real nginx edge in front of a real object store (s3rver). Heavy enough (a thousand requests
// at once) to run once: on the PostgreSQL pass, with the other stage-5 end-to-end tests.
describe.skipIf(process.env.TEST_DATABASE !== 'postgres')('the stage-5 edge (nginx proxy_cache)', () => {
  let dir: string;
  let store: ObjectStoreServer;
  let s3: S3Client;
  let nginx: NginxProcess;
  let edge: string;
  let purgeBase: string;

  const storeGets = () => store.requests.byMethod.GET ?? 0;
  // Signed, as the workers write: the store refuses anonymous writes, as a private bucket does.
  const put = async (key: string, body: Buffer, type = 'image/webp') => {
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: key,
        Body: body,
        ContentType: type,
        Metadata: { owner: 'secret-owner' },
      }),
    );
  };
  const variant = async (id = Math.floor(Math.random() * 1e9)) => {
    const body = randomBytes(20_000);
    const key = `p/${id}/${sha(body)}.webp`;
    await put(key, body);
    return { key, body };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'graminsta-edge-'));
    store = await startObjectStore({ dir, bucket: BUCKET });
    s3 = new S3Client({
      endpoint: store.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const [port, purgePort] = [await freePort(), await freePort()];
    edge = `http://127.0.0.1:${port}`;
    purgeBase = `http://127.0.0.1:${purgePort}`;
    const conf = renderEdge({
      listenHost: '127.0.0.1',
      listenPort: port,
      origin: new URL(store.url).host,
      bucket: BUCKET,
      purgeHost: '127.0.0.1',
      purgePort,
      purgeAllow: ['127.0.0.1'],
      workers: 2,
    });
    nginx = await startNginx(conf, `${edge}/healthz`);
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves a variant from the store once, then from its cache, with our headers only', async () => {
    const { key, body } = await variant();
    const before = storeGets();
    const first = await fetch(`${edge}/${key}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache-status')).toBe('MISS');
    expect(Buffer.from(await first.arrayBuffer()).equals(body)).toBe(true);
    const second = await fetch(`${edge}/${key}`);
    expect(second.headers.get('x-cache-status')).toBe('HIT');
    expect(Buffer.from(await second.arrayBuffer()).equals(body)).toBe(true);
    expect(storeGets() - before).toBe(1);
    for (const res of [first, second]) {
      expect(res.headers.get('cache-control')).toBe(IMMUTABLE);
      expect(res.headers.get('content-type')).toBe('image/webp');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toMatch(/^sandbox/);
      const names = [...res.headers.keys()];
      expect(names.filter((n) => n.startsWith('x-amz-') && n !== 'x-amz-meta-owner')).toEqual([]);
      expect(res.headers.get('server')).toBe('nginx');
    }
    // A query string is not part of the key: it cannot make the store work again.
    const busted = await fetch(`${edge}/${key}?v=${Math.random()}`);
    expect(busted.headers.get('x-cache-status')).toBe('HIT');
    await busted.arrayBuffer();
    expect(storeGets() - before).toBe(1);
  });

  it('fetches a cold variant asked for by a thousand viewers at once from the store once', async () => {
    const { key, body } = await variant();
    const before = storeGets();
    const digests = await Promise.all(
      Array.from({ length: 1000 }, async () => {
        const res = await fetch(`${edge}/${key}`);
        expect(res.status).toBe(200);
        return sha(Buffer.from(await res.arrayBuffer()));
      }),
    );
    expect(new Set(digests)).toEqual(new Set([sha(body)]));
    expect(storeGets() - before).toBe(1);
  }, 120_000);

  it('never serves a key outside the public variants, uploads/ above all, nor asks the store', async () => {
    const original = randomBytes(5000);
    await put('uploads/u1/original', original, 'image/jpeg');
    const before = store.requests.total;
    for (const path of [
      '/uploads/u1/original',
      `/${BUCKET}/uploads/u1/original`,
      '/p/1/../../uploads/u1/original',
      '/p/1/..%2f..%2fuploads%2fu1%2foriginal',
      '/p/1/%2e%2e/%2e%2e/uploads/u1/original',
      '/%75ploads/u1/original',
      '/p/1/original',
      `/p/1/${'a'.repeat(64)}.jpg`,
      `/p/x/${'a'.repeat(64)}.webp`,
      `/${BUCKET}/`,
      '/',
    ]) {
      const res = await fetch(`${edge}${path}`);
      await res.text();
      expect(res.status, path).toBe(404);
    }
    expect(store.requests.total).toBe(before);
  });

  it('answers a missing variant 404 and keeps that only briefly', async () => {
    const path = `/p/7/${'b'.repeat(64)}.webp`;
    const first = await fetch(`${edge}${path}`);
    expect(first.status).toBe(404);
    await first.text();
    expect(first.headers.get('cache-control')).toBe('public, max-age=10');
    const second = await fetch(`${edge}${path}`);
    await second.text();
    expect(second.headers.get('x-cache-status')).toBe('HIT');
  });

  it('takes only GET and HEAD on variants', async () => {
    const { key } = await variant();
    const before = store.requests.total;
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'PURGE', 'OPTIONS']) {
      const res = await fetch(`${edge}/${key}`, { method });
      await res.arrayBuffer();
      expect(res.status, method).toBe(405);
    }
    expect(store.requests.total).toBe(before);
    const head = await fetch(`${edge}/${key}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('stops serving a deleted variant once purged; purges come only through the purge listener', async () => {
    const { key } = await variant();
    await (await fetch(`${edge}/${key}`)).arrayBuffer();
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    // The cache still holds it: without a purge the edge would serve a deleted photo for a year.
    const cached = await fetch(`${edge}/${key}`);
    await cached.arrayBuffer();
    expect([cached.status, cached.headers.get('x-cache-status')]).toEqual([200, 'HIT']);

    // PURGE on the public listener is refused and purges nothing.
    expect((await fetch(`${edge}/${key}`, { method: 'PURGE' })).status).toBe(405);
    // Nor may a GET to the purge listener purge, nor an address outside the allow list.
    expect((await fetch(`${purgeBase}/${key}`)).status).toBe(405);
    expect(await rawStatus(purgeBase, 'PURGE', `/${key}`, '127.0.0.2')).toBe(403);
    expect((await fetch(`${edge}/${key}`)).status).toBe(200);

    const purged = await fetch(`${purgeBase}/${key}`, { method: 'PURGE' });
    await purged.text();
    expect(purged.status).toBe(200);
    const gone = await fetch(`${edge}/${key}`);
    await gone.text();
    expect(gone.status).toBe(404);
    expect(gone.headers.get('x-cache-status')).toBe('MISS');
    // The 404 is now cached for a few seconds; a second purge (a retry, another edge's) drops it.
    const again = await fetch(`${purgeBase}/${key}`, { method: 'PURGE' });
    await again.text();
    expect(again.status).toBe(200);
    expect((await fetch(`${purgeBase}/${key}`, { method: 'PURGE' })).status).toBe(404);
  });

  it('bounds its listener against hostile bytes, and both it and the store still answer', async () => {
    const { key, body } = await variant();
    const { port } = new URL(edge);
    const hostile = [
      randomBytes(4096),
      Buffer.from('GET /\u0000\u0001\u00ff HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1'),
      Buffer.from(`GET /${key} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      Buffer.from(
        `GET /${key} HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 400 }, (_, i) => `X-${i}: ${'b'.repeat(100)}\r\n`).join('')}\r\n`,
      ),
      Buffer.from(`GET /${'c'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
      Buffer.from(`POST /${key} HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n${'d'.repeat(1000)}`),
      Buffer.from(`GET /${key} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`),
      Buffer.from([0xc3, 0x28, 0x0d, 0x0a, 0x0d, 0x0a]),
    ];
    for (const bytes of hostile) {
      const answer = await sendRawBytes('127.0.0.1', Number(port), bytes);
      // nginx answers with a 4xx or closes; never a 200 for broken input, never a 5xx.
      expect(answer.split('\r\n')[0], bytes.subarray(0, 40).toString('latin1')).not.toMatch(
        /^HTTP\/1\.1 (2|5)\d\d/,
      );
    }
    const { port: storePort } = new URL(store.url);
    for (const bytes of hostile) await sendRawBytes('127.0.0.1', Number(storePort), bytes);
    const res = await fetch(`${edge}/${key}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
    expect((await fetch(`${store.url}/${BUCKET}/${key}`)).status).toBe(200);
  });
});

/** A request from a chosen local address (127.0.0.2 is loopback too, but not on the allow list). */
function rawStatus(base: string, method: string, path: string, localAddress: string): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path, localAddress }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}
