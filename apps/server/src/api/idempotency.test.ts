import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IdempotencyService, TAKEOVER_AFTER_MS } from '@graminsta/core';
import { rawQuery } from '@graminsta/core/testing/test-db';
import { withCommitGuard } from '@graminsta/platform';
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

    const jpeg = await jpegWithGps(200, 100);
    const up = (await post('/uploads', { contentType: 'image/jpeg', size: jpeg.length })).json();
    expect((await t.sendUpload(up.upload, jpeg)).statusCode).toBe(201);
    const photoCount = async () =>
      Number((await rawQuery(t.comp.database, 'select count(*)::int as n from photos')).rows[0]?.n);
    const photosBefore = await photoCount();
    const created = await post('/photos', { uploadId: up.uploadId }, 'key-photo-01');
    const replayed = await post('/photos', { uploadId: up.uploadId }, 'key-photo-01');
    expect(created.statusCode).toBe(202);
    expect(replayed.statusCode).toBe(202);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.json().id).toBe(created.json().id);
    expect(await photoCount()).toBe(photosBefore + 1);

    const before = await t.snapshot();
    const bad = await post('/uploads', { contentType: 'image/png', size: 10 }, 'short');
    expect(bad.statusCode).toBe(400);
    expect(await t.snapshot()).toEqual(before);
  });

  it('marks the key applied inside the write’s transaction, over a real socket as well as inject', async () => {
    const applied = async (key: string) =>
      (await rawQuery(t.comp.database, `select applied_at from idempotency_keys where key = '${key}'`))
        .rows[0]?.applied_at;
    await post(`/photos/${photoId}/comments`, { body: 'by inject' }, 'key-applied-01');
    expect(await applied('key-applied-01')).toBeTruthy();

    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${address}/api/v1/photos/${photoId}/comments`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': 'key-applied-02',
      },
      body: JSON.stringify({ body: 'by socket' }),
    });
    expect(res.status).toBe(201);
    expect(await applied('key-applied-02')).toBeTruthy();
  });

  describe('a try that died mid-way', () => {
    const KEY = 'key-crashed-01';
    const body = { body: 'survivor' };
    let userId: string;
    let path: string;
    beforeEach(async () => {
      userId = (
        await t.app.inject({
          method: 'GET',
          url: '/api/v1/me',
          headers: { authorization: `Bearer ${token}` },
        })
      ).json().id;
      path = `/photos/${photoId}/comments`;
    });

    /** Claims KEY as the hook would for `body`, like a first try whose process then died. */
    async function firstTry() {
      const hash = IdempotencyService.hashRequest('POST', `/api/v1${path}`, body);
      const start = await t.comp.services.idempotency.begin(userId, KEY, hash);
      if (start.kind !== 'proceed') throw new Error('the first try should proceed');
      return start.attempt;
    }
    /** That try's own write, under its guard, as the route would run it. */
    const firstTryWrites = (attempt: string) =>
      withCommitGuard(t.comp.services.idempotency.guard(userId, KEY, attempt), () =>
        t.comp.services.comments.create(userId, photoId, body.body),
      );
    /** Time passes: the claim is older than any live request could be. */
    const age = () =>
      rawQuery(
        t.comp.database,
        `update idempotency_keys set claimed_at = claimed_at - interval '${TAKEOVER_AFTER_MS + 1000} milliseconds'`,
      );

    it('keeps a retry out while the claim is fresh, changing nothing', async () => {
      await firstTry();
      const before = await t.snapshot();
      const retry = await post(path, body, KEY);
      expect(retry.statusCode).toBe(409);
      expect(retry.json().error.message).toMatch(/in progress/);
      expect(await t.snapshot()).toEqual(before);
    });

    it('lets a retry take over once the claim is stale, and applies the write once', async () => {
      await firstTry();
      await age();
      const retry = await post(path, body, KEY);
      expect(retry.statusCode).toBe(201);
      const again = await post(path, body, KEY);
      expect(again.json()).toEqual(retry.json());
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(await commentCount()).toBe(1);
    });

    it('refuses the commit of a slow try whose key a retry took over', async () => {
      const slow = await firstTry();
      await age();
      expect((await post(path, body, KEY)).statusCode).toBe(201);
      const before = await t.snapshot();
      await expect(firstTryWrites(slow)).rejects.toThrow(/took it over/);
      expect(await t.snapshot()).toEqual(before);
      expect(await commentCount()).toBe(1);
    });

    it('never runs again a try that wrote before it died, even when its answer is lost', async () => {
      await firstTryWrites(await firstTry());
      await age();
      const before = await t.snapshot();
      const retry = await post(path, body, KEY);
      expect(retry.statusCode).toBe(409);
      expect(retry.json().error.message).toMatch(/applied, but its answer was lost/);
      expect(await t.snapshot()).toEqual(before);
      expect(await commentCount()).toBe(1);
    });
  });

  it('lets a request that failed with a client error answer the same way on retry', async () => {
    const a = await post(`/photos/${photoId}/comments`, { body: '   ' }, 'key-empty-001');
    const b = await post(`/photos/${photoId}/comments`, { body: '   ' }, 'key-empty-001');
    expect(a.statusCode).toBe(400);
    expect(b.statusCode).toBe(400);
    expect(b.json()).toEqual(a.json());
  });
});
