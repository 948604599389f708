import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jpegWithGps } from '../testing/images.ts';
import { createTestApp, type TestApp } from '../testing/test-app.ts';
import { STORED_OBJECT_CSP } from './storage.plugin.ts';

interface Target {
  uploadId: string;
  upload: { url: string; headers?: Record<string, string> };
}

describe('the storage role: single-use upload targets, private originals, safe objects', () => {
  let t: TestApp;
  let jpeg: Buffer;
  beforeAll(async () => {
    // A small quota, so the quota test needs no large files.
    t = await createTestApp({ UPLOAD_QUOTA_BYTES: String(3_000_000) });
    jpeg = await jpegWithGps(640, 480);
  });
  beforeEach(() => t.testDb.reset());
  afterAll(() => t.close());

  const api = (method: 'GET' | 'POST', url: string, token: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` }, payload });
  const newUpload = async (token: string, size = jpeg.length): Promise<Target> => {
    const res = await api('POST', '/uploads', token, { contentType: 'image/jpeg', size });
    expect(res.statusCode).toBe(201);
    return res.json();
  };
  const keyOf = (target: Target) =>
    new URL(target.upload.url, 'http://x').pathname.replace(/^\/storage\/uploads\//, '');

  it('takes bytes once: of two racing PUTs one wins, and a PUT after processing is refused', async () => {
    const token = await t.signUp('racer');
    const up = await newUpload(token);
    const racing = await Promise.all([t.sendUpload(up.upload, jpeg), t.sendUpload(up.upload, jpeg)]);
    expect(racing.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(racing.find((r) => r.statusCode === 409)?.json().error.code).toBe('conflict');

    const created = await api('POST', '/photos', token, { uploadId: up.uploadId });
    expect(created.statusCode).toBe(202);
    await t.comp.services.photos.processPhoto(created.json().id);
    const before = await t.snapshot();
    const replay = await t.sendUpload(up.upload, jpeg);
    expect(replay.statusCode).toBe(409);
    // The processed original is not re-created.
    expect(await t.comp.blobs.head(keyOf(up))).toBeNull();
    expect(await t.snapshot()).toEqual(before);
  });

  it('leaves the target usable after a refused PUT, which keeps nothing', async () => {
    const token = await t.signUp('retrier');
    const up = await newUpload(token);
    const before = await t.snapshot();
    expect((await t.sendUpload(up.upload, Buffer.concat([jpeg, Buffer.alloc(1)]))).statusCode).toBe(413);
    const wrongType = { url: up.upload.url, headers: { 'content-type': 'image/png' } };
    expect((await t.sendUpload(wrongType, jpeg)).statusCode).toBe(415);
    expect(await t.snapshot()).toEqual(before);
    expect((await t.sendUpload(up.upload, jpeg)).statusCode).toBe(201);
  });

  it('never serves an uploaded original, under any URL; its variants are served', async () => {
    const token = await t.signUp('private');
    const up = await newUpload(token);
    expect((await t.sendUpload(up.upload, jpeg)).statusCode).toBe(201);
    const key = keyOf(up);
    const plausible = [
      `/storage/blobs/${key}`,
      `/storage/blobs/${key.replaceAll('/', '%2F')}`,
      `/storage/blobs/${key.replace('uploads/', 'uploads%2F')}`,
      `/storage/blobs/./${key}`,
      `/storage/blobs//${key}`,
      `/storage/blobs/p/../${key}`,
      `/storage/blobs/${key.toUpperCase()}`,
      `/storage/blobs/${key}?download=1`,
      `/storage/uploads/${key}`,
      `/storage/objects/${key}`,
      `/storage/${key}`,
    ];
    for (const url of plausible) {
      for (const method of ['GET', 'HEAD'] as const) {
        const res = await t.app.inject({ method, url });
        expect(res.statusCode, `${method} ${url}`).toBe(404);
        expect(res.rawPayload.includes(jpeg.subarray(0, 256)), `${method} ${url}`).toBe(false);
      }
    }
    // Outside /storage the web role may answer with its page (client-side routes), never the bytes.
    const outside = await t.app.inject({ method: 'GET', url: `/${key}` });
    expect(outside.headers['content-type'] ?? '').not.toMatch(/^image\//);
    expect(outside.rawPayload.includes(jpeg.subarray(0, 256))).toBe(false);

    const created = await api('POST', '/photos', token, { uploadId: up.uploadId });
    await t.comp.services.photos.processPhoto(created.json().id);
    const photo = (await api('GET', `/photos/${created.json().id}`, token)).json();
    const variant = await t.app.inject({
      method: 'GET',
      url: new URL(photo.variants.w640.url, 'http://x').pathname,
    });
    expect(variant.statusCode).toBe(200);
    expect(variant.headers['content-type']).toBe('image/webp');
    expect(Number(variant.headers['content-length'])).toBe(variant.rawPayload.length);
    // Processing deleted the original.
    expect(await t.comp.blobs.head(key)).toBeNull();
  });

  it('serves stored objects, and every storage answer, as content that cannot run as a page', async () => {
    await t.comp.blobs.put('p/1/page.webp', Buffer.from('<html><script>alert(1)</script>'), 'image/webp');
    const res = await t.app.inject({ method: 'GET', url: '/storage/blobs/p/1/page.webp' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('<html><script>alert(1)</script>');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    for (const r of [res, await t.app.inject({ method: 'GET', url: '/storage/blobs/p/missing.webp' })]) {
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['content-security-policy']).toBe(STORED_OBJECT_CSP);
    }
    expect(STORED_OBJECT_CSP).toMatch(/^sandbox; default-src 'none'/);
  });

  it('refuses an upload over the per-account bytes-in-flight quota with 429, changing nothing', async () => {
    const token = await t.signUp('hoarder');
    await newUpload(token, 2_000_000);
    await newUpload(token, 1_000_000);
    const before = await t.snapshot();
    const over = await api('POST', '/uploads', token, { contentType: 'image/jpeg', size: 1 });
    expect(over.statusCode).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(over.json().error).toMatchObject({
      code: 'rate_limited',
      message: expect.stringMatching(/in flight/),
    });
    expect(await t.snapshot()).toEqual(before);
    // Another account is not held back by this one.
    await newUpload(await t.signUp('neighbour'), 3_000_000);
  });
});
