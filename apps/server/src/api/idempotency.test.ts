import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jpegWithGps } from '../testing/images.ts';
import { createTestApp, type TestApp } from '../testing/test-app.ts';

describe('Idempotency-Key on POST', () => {
  let t: TestApp;
  let token: string;
  let photoId: string;
  beforeAll(async () => {
    t = await createTestApp();
  });
  beforeEach(async () => {
    await t.testDb.reset();
    token = await t.signUp('poster');
    const jpeg = await jpegWithGps(400, 300);
    const up = (await post('/uploads', { contentType: 'image/jpeg', size: jpeg.length })).json();
    await t.sendUpload(up.upload, jpeg);
    photoId = (await post('/photos', { uploadId: up.uploadId })).json().id;
    await t.comp.services.photos.processPhoto(photoId);
  });
  afterAll(() => t.close());

  function post(path: string, payload: object, key?: string) {
    return t.app.inject({
      method: 'POST',
      url: `/api/v1${path}`,
      headers: { authorization: `Bearer ${token}`, ...(key ? { 'idempotency-key': key } : {}) },
      payload,
    });
  }
  const commentCount = async () =>
    (
      await t.app.inject({
        method: 'GET',
        url: `/api/v1/photos/${photoId}/comments`,
        headers: { authorization: `Bearer ${token}` },
      })
    ).json().items.length as number;

  it('answers a retry with the first result and applies the write once', async () => {
    const first = await post(`/photos/${photoId}/comments`, { body: 'once' }, 'key-00000001');
    const retry = await post(`/photos/${photoId}/comments`, { body: 'once' }, 'key-00000001');
    expect(first.statusCode).toBe(201);
    expect(retry.statusCode).toBe(201);
    expect(retry.json()).toEqual(first.json());
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await commentCount()).toBe(1);
    // Without a key, or with a new key, it is a new comment.
    await post(`/photos/${photoId}/comments`, { body: 'once' }, 'key-00000002');
    expect(await commentCount()).toBe(2);
  });

  it('applies concurrent retries of one key once', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () => post(`/photos/${photoId}/comments`, { body: 'race' }, 'key-race-0001')),
    );
    expect(await commentCount()).toBe(1);
    const created = results.filter((r) => r.statusCode === 201).map((r) => r.json().id as string);
    expect(new Set(created).size).toBe(1);
    for (const r of results) expect([201, 409]).toContain(r.statusCode);
  });

  it('refuses a key reused for a different request, changing nothing', async () => {
    await post(`/photos/${photoId}/comments`, { body: 'first' }, 'key-reused-01');
    const before = await t.snapshot();
    const other = await post(`/photos/${photoId}/comments`, { body: 'second' }, 'key-reused-01');
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('conflict');
    expect(await t.snapshot()).toEqual(before);
  });

  it('replays upload targets and photo creation too', async () => {
    const a = await post('/uploads', { contentType: 'image/png', size: 10 }, 'key-upload-01');
    const b = await post('/uploads', { contentType: 'image/png', size: 10 }, 'key-upload-01');
    expect(b.json().uploadId).toBe(a.json().uploadId);
    const before = await t.snapshot();
    const bad = await post('/uploads', { contentType: 'image/png', size: 10 }, 'short');
    expect(bad.statusCode).toBe(400);
    expect(await t.snapshot()).toEqual(before);
  });

  it('lets a request that failed with a client error answer the same way on retry', async () => {
    const a = await post(`/photos/${photoId}/comments`, { body: '   ' }, 'key-empty-001');
    const b = await post(`/photos/${photoId}/comments`, { body: '   ' }, 'key-empty-001');
    expect(a.statusCode).toBe(400);
    expect(b.statusCode).toBe(400);
    expect(b.json()).toEqual(a.json());
  });
});
