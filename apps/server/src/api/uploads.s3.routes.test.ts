import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UploadTarget } from '@graminsta/contracts';
import { rawQuery } from '@graminsta/core/testing/test-db';
import { jpegWithGps } from '../testing/images.ts';
import { createS3TestApp, type S3TestApp } from '../testing/s3-test-app.ts';

// Presigned POST uploads to a real S3-protocol server (s3rver), which enforces no policy: each
// way around the policy is refused by our own checks, with a clear 4xx and nothing changed.
describe('uploads straight to object storage', () => {
  let t: S3TestApp;
  let jpeg: Buffer;
  let png: Buffer;
  beforeAll(async () => {
    t = await createS3TestApp();
    jpeg = await jpegWithGps(640, 480);
    png = await (await import('sharp')).default(jpeg).png().toBuffer();
  });
  beforeEach(() => t.testDb.reset());
  afterAll(() => t.close());

  const call = (method: string, url: string, token?: string, payload?: unknown) =>
    t.app.inject({
      method: method as 'GET',
      url: `/api/v1${url}`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
  const target = async (token: string, size = jpeg.length, contentType = 'image/jpeg') => {
    const res = await call('POST', '/uploads', token, { contentType, size });
    expect(res.statusCode).toBe(201);
    return res.json() as UploadTarget;
  };
  const createPhoto = (token: string, uploadId: string) => call('POST', '/photos', token, { uploadId });
  const photoOf = async (token: string, id: string) => (await call('GET', `/photos/${id}`, token)).json();
  /** The refusal changes nothing: the same tables and the same objects. */
  async function unchangedBy(act: () => ReturnType<typeof call>, status: number) {
    const before = await t.s3Snapshot();
    const res = await act();
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json().error.message).toBeTruthy();
    expect(await t.s3Snapshot()).toEqual(before);
    return res;
  }

  it('takes a photo from a presigned POST to ready, with CDN URLs and the original gone', async () => {
    const alice = await t.signUp('alice');
    const up = await target(alice);
    expect(up.upload.method).toBe('POST');
    expect(up.upload.url).toBe(`${t.objectStore.url}/graminsta`);
    expect(up.upload.fields).toMatchObject({
      'Content-Type': 'image/jpeg',
      key: expect.stringMatching(/^uploads\//),
    });
    const sent = await t.postForm(up, jpeg);
    expect(sent.status).toBeLessThan(300);
    const created = await createPhoto(alice, up.uploadId);
    expect(created.statusCode).toBe(202);
    const { rows } = await rawQuery(t.comp.database, `select etag, photo_id::text as photo_id from uploads`);
    expect(rows[0]).toMatchObject({
      etag: expect.stringMatching(/^[0-9a-f]{32}$/),
      photo_id: created.json().id,
    });

    await t.comp.services.photos.processPhoto(created.json().id);
    const photo = await photoOf(alice, created.json().id);
    expect(photo.status).toBe('ready');
    expect(photo.variants.w640.url).toMatch(/^http:\/\/cdn\.graminsta\.test\/p\/\d+\/[0-9a-f]{64}\.webp$/);
    expect(await t.comp.blobs.head(up.upload.fields!.key!)).toBeNull();
    const variantKey = new URL(photo.variants.w640.url).pathname.slice(1);
    expect((await t.comp.blobs.head(variantKey))?.contentType).toBe('image/webp');
  });

  it('refuses a type it does not take before anything is signed', async () => {
    const alice = await t.signUp('alice');
    await unchangedBy(() => call('POST', '/uploads', alice, { contentType: 'text/html', size: 100 }), 415);
  });

  it('refuses bytes stored under another content type than the policy bound', async () => {
    const alice = await t.signUp('alice');
    const up = await target(alice);
    await t.postForm(up, jpeg, { 'Content-Type': 'text/html' });
    await unchangedBy(() => createPhoto(alice, up.uploadId), 415);
  });

  it('refuses more bytes than were declared', async () => {
    const alice = await t.signUp('alice');
    const up = await target(alice, 1000);
    await t.postForm(up, jpeg);
    await unchangedBy(() => createPhoto(alice, up.uploadId), 413);
  });

  it('refuses an expired upload, and the sweep takes its bytes', async () => {
    const alice = await t.signUp('alice');
    const up = await target(alice);
    await t.postForm(up, jpeg);
    await rawQuery(t.comp.database, `update uploads set expires_at = now() - interval '1 minute'`);
    await unchangedBy(() => createPhoto(alice, up.uploadId), 409);
    expect(await t.comp.services.photos.pruneExpiredUploads()).toBe(1);
    expect(await t.comp.blobs.head(up.upload.fields!.key!)).toBeNull();
  });

  it('uses nothing sent to another key than the one signed', async () => {
    const alice = await t.signUp('alice');
    const up = await target(alice);
    const elsewhere = up.upload.fields!.key!.replace(/[0-9a-f]{8}$/, '00000000');
    await t.postForm(up, jpeg, { key: elsewhere });
    await unchangedBy(() => createPhoto(alice, up.uploadId), 400);
  });

  it('makes one photo of an upload, and never signs one key twice', async () => {
    const alice = await t.signUp('alice');
    const up = await target(alice);
    await t.postForm(up, jpeg);
    expect((await createPhoto(alice, up.uploadId)).statusCode).toBe(202);
    await unchangedBy(() => createPhoto(alice, up.uploadId), 409);
    const keys = new Set(
      await Promise.all([1, 2, 3].map(async () => (await target(alice)).upload.fields!.key)),
    );
    expect(keys.size).toBe(3);
  });

  it('fails a photo whose bytes were replaced after it was checked (the pinned ETag)', async () => {
    const alice = await t.signUp('alice');
    const up = await target(alice);
    await t.postForm(up, jpeg);
    const created = await createPhoto(alice, up.uploadId);
    // A second POST to the same form: real S3 would take it too while the policy lasts.
    await t.postForm(up, await jpegWithGps(320, 240));
    await t.comp.services.photos.processPhoto(created.json().id);
    expect(await photoOf(alice, created.json().id)).toMatchObject({
      status: 'failed',
      failureReason: 'the uploaded file changed after it was checked',
    });
  });

  it('has the worker refuse bytes that are not the type declared (magic bytes)', async () => {
    const alice = await t.signUp('alice');
    const up = await target(alice, png.length);
    // The form says image/jpeg as signed; the bytes are a PNG.
    await t.postForm(up, png);
    const created = await createPhoto(alice, up.uploadId);
    expect(created.statusCode).toBe(202);
    await t.comp.services.photos.processPhoto(created.json().id);
    expect(await photoOf(alice, created.json().id)).toMatchObject({
      status: 'failed',
      failureReason: 'the file is image/png, not the image/jpeg it was announced as',
    });
    expect(await t.comp.blobs.head(up.upload.fields!.key!)).toBeNull();
  });
});
