import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startObjectStore, type ObjectStoreServer } from './object-store-server.ts';
import { S3BlobStore } from './s3.blob-store.ts';

describe('the local object store answers anonymous requests as a private bucket would', () => {
  let dir: string;
  let server: ObjectStoreServer;
  let store: S3BlobStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'graminsta-store-'));
    server = await startObjectStore({ dir, bucket: 'graminsta', corsOrigins: ['http://127.0.0.1:3000'] });
    store = new S3BlobStore({
      endpoint: server.url,
      bucket: server.bucket,
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
      cdnUrl: 'http://127.0.0.1:9',
    });
    await store.put('uploads/u1/original', Buffer.from('exif and all'), 'image/jpeg');
    await store.put('p/1/variant.webp', Buffer.from('pixels'), 'image/webp');
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const at = (path: string, init?: RequestInit) => fetch(`${server.url}/graminsta/${path}`, init);

  it('refuses unsigned reads of originals and every unsigned write or delete', async () => {
    for (const method of ['GET', 'HEAD'])
      expect((await at('uploads/u1/original', { method })).status).toBe(403);
    expect((await at('uploads/u1/original', { method: 'DELETE' })).status).toBe(403);
    expect((await at('p/1/variant.webp', { method: 'DELETE' })).status).toBe(403);
    expect((await at('p/1/other.webp', { method: 'PUT', body: 'x' })).status).toBe(403);
    expect((await fetch(`${server.url}/graminsta?list-type=2`)).status).toBe(403);
    expect((await fetch(`${server.url}/graminsta?max-keys=1`)).status).toBe(403);
    // Nothing was changed by the refused requests.
    expect((await store.get('uploads/u1/original'))?.body.toString()).toBe('exif and all');
    expect(await store.head('p/1/other.webp')).toBeNull();
  });

  it('lets the edge read public variants, preflights and the empty readiness listing through', async () => {
    const probe = await fetch(`${server.url}/graminsta?max-keys=0`);
    expect(probe.status).toBe(200);
    expect(await probe.text()).not.toContain('<Contents>');
    const res = await at('p/1/variant.webp');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('pixels');
    const preflight = await fetch(`${server.url}/graminsta`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:3000', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(200);
  });

  it('takes a presigned POST form from a browser', async () => {
    const target = await store.createUploadTarget({
      key: 'uploads/u2/original',
      contentType: 'image/jpeg',
      maxBytes: 1000,
      expiresAt: new Date(Date.now() + 60_000),
    });
    const form = new FormData();
    for (const [k, v] of Object.entries(target.fields ?? {})) form.append(k, v);
    form.append('file', new Blob([Buffer.from('jpeg bytes')], { type: 'image/jpeg' }));
    const res = await fetch(target.url, { method: 'POST', body: form });
    expect(res.status).toBeLessThan(300);
    expect((await store.get('uploads/u2/original'))?.body.toString()).toBe('jpeg bytes');
  });
});
