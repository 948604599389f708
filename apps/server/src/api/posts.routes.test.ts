import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Photo } from '@graminsta/contracts';
import { MAX_MEDIA_PER_POST } from '@graminsta/contracts';
import { jpegWithGps } from '../testing/images.ts';
import { createTestApp, type TestApp } from '../testing/test-app.ts';

describe('posts of several photos over HTTP', () => {
  let t: TestApp;
  let jpeg: Buffer;
  beforeAll(async () => {
    t = await createTestApp();
    jpeg = await jpegWithGps(400, 300);
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

  async function uploads(token: string, n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const up = await call('POST', '/uploads', token, { contentType: 'image/jpeg', size: jpeg.length });
      expect(up.statusCode).toBe(201);
      expect((await t.sendUpload(up.json().upload, jpeg)).statusCode).toBe(201);
      ids.push(up.json().uploadId as string);
    }
    return ids;
  }

  async function post(token: string, n = 3, caption = 'three #before', process = true): Promise<Photo> {
    const ids = await uploads(token, n);
    const res = await call('POST', '/photos', token, {
      media: ids.map((uploadId, i) => ({ uploadId, altText: `alt ${i + 1}` })),
      caption,
    });
    expect(res.statusCode).toBe(202);
    if (process) await t.comp.services.photos.processPhoto(res.json().id);
    return (await call('GET', `/photos/${res.json().id}`, token)).json();
  }

  const errorCode = (res: { json(): unknown }) => (res.json() as { error: { code: string } }).error.code;

  it('posts three photos in order and presents them to others', async () => {
    const ann = await t.signUp('ann');
    const ben = await t.signUp('ben');
    const mine = await post(ann);
    const seen = (await call('GET', `/photos/${mine.id}`, ben)).json() as Photo;
    expect(seen.status).toBe('ready');
    expect(seen.media.map((m) => [m.id, m.altText, m.status])).toEqual(
      mine.media.map((m) => [m.id, m.altText, 'ready']),
    );
    expect(seen.media.map((m) => m.altText)).toEqual(['alt 1', 'alt 2', 'alt 3']);
    expect(seen).toMatchObject({ altText: 'alt 1', variants: seen.media[0]!.variants, savedByMe: false });
  });

  it('edits caption, alt texts and order; tags follow; an edit that changes nothing leaves editedAt null', async () => {
    const ann = await t.signUp('ann');
    const mine = await post(ann);
    const [a, b, c] = mine.media.map((m) => m.id);

    const same = await call('PATCH', `/photos/${mine.id}`, ann, { caption: mine.caption });
    expect(same.statusCode).toBe(200);
    expect(same.json().editedAt).toBeNull();

    const res = await call('PATCH', `/photos/${mine.id}`, ann, {
      caption: 'moved #after',
      media: [{ id: b, altText: 'now first' }, { id: c }, { id: a, altText: '' }],
    });
    expect(res.statusCode).toBe(200);
    const edited = res.json() as Photo;
    expect(edited.media.map((m) => [m.id, m.altText])).toEqual([
      [b, 'now first'],
      [c, 'alt 3'],
      [a, ''],
    ]);
    expect(edited).toMatchObject({ caption: 'moved #after', tags: ['after'], altText: 'now first' });
    expect(edited.editedAt).not.toBeNull();
    expect((await call('GET', `/photos/${mine.id}`)).json()).toEqual({ ...edited, likedByMe: false });
    const tagged = (tag: string) =>
      call('GET', `/tags/${tag}`).then((r) => r.json().items.map((p: Photo) => p.id));
    expect(await tagged('after')).toEqual([mine.id]);
    expect(await tagged('before')).toEqual([]);
  });

  it('refuses a bad edit with a 400 and changes nothing; others get 403 or 404; anonymous 401', async () => {
    const ann = await t.signUp('ann');
    const ben = await t.signUp('ben');
    const mine = await post(ann);
    const pending = await post(ann, 1, 'pending', false);
    const [a, b, c] = mine.media.map((m) => m.id);
    const before = await t.snapshot();

    const bad: unknown[] = [
      {},
      { media: [{ id: a }, { id: b }] },
      { media: [{ id: a }, { id: b }, { id: b }] },
      { media: [{ id: a }, { id: b }, { id: c }, { id: pending.media[0]!.id }] },
      { media: [{ id: a }, { id: b }, { id: pending.media[0]!.id }] },
      { media: [{ id: a }, { id: b }, { id: 'abc' }] },
      { media: [] },
      { caption: 'x'.repeat(2201) },
      { caption: 42 },
      { caption: 'ok', media: [{ id: a, altText: 'x'.repeat(1001) }, { id: b }, { id: c }] },
    ];
    for (const body of bad) {
      const res = await call('PATCH', `/photos/${mine.id}`, ann, body);
      expect([JSON.stringify(body), res.statusCode]).toEqual([JSON.stringify(body), 400]);
    }
    const other = await call('PATCH', `/photos/${mine.id}`, ben, { caption: 'mine now' });
    expect(other.statusCode).toBe(403);
    expect(errorCode(other)).toBe('forbidden');
    const hidden = await call('PATCH', `/photos/${pending.id}`, ben, { caption: 'mine now' });
    expect(hidden.statusCode).toBe(404);
    expect((await call('PATCH', `/photos/${mine.id}`, undefined, { caption: 'anyone' })).statusCode).toBe(
      401,
    );
    expect((await call('PATCH', '/photos/987654321', ann, { caption: 'gone' })).statusCode).toBe(404);
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses 11 items, duplicate or foreign uploads, and both shapes at once, creating nothing', async () => {
    const ann = await t.signUp('ann');
    const ben = await t.signUp('ben');
    const mine = await uploads(ann, MAX_MEDIA_PER_POST + 1);
    const [theirs] = await uploads(ben, 1);
    const before = await t.snapshot();
    const refusals: Array<[unknown, number]> = [
      [{ media: mine.map((uploadId) => ({ uploadId })) }, 400],
      [{ media: [{ uploadId: mine[0] }, { uploadId: mine[0] }] }, 400],
      [{ uploadId: mine[0], media: [{ uploadId: mine[1] }] }, 400],
      [{ media: [{ uploadId: mine[0] }], altText: 'where?' }, 400],
      [{ media: [] }, 400],
      [{}, 400],
      [{ media: [{ uploadId: mine[0] }, { uploadId: theirs }] }, 404],
      [{ media: [{ uploadId: mine[0] }, { uploadId: '123456789' }] }, 404],
    ];
    for (const [body, status] of refusals) {
      const res = await call('POST', '/photos', ann, body);
      expect([JSON.stringify(body).slice(0, 80), res.statusCode]).toEqual([
        JSON.stringify(body).slice(0, 80),
        status,
      ]);
    }
    expect(await t.snapshot()).toEqual(before);

    // Ten is allowed, and the single-photo body still works.
    const ten = await call('POST', '/photos', ann, {
      media: mine.slice(0, MAX_MEDIA_PER_POST).map((uploadId) => ({ uploadId })),
    });
    expect(ten.statusCode).toBe(202);
    expect(ten.json().media).toHaveLength(MAX_MEDIA_PER_POST);
    const single = await call('POST', '/photos', ann, { uploadId: mine[10], altText: 'one', caption: 'c' });
    expect(single.statusCode).toBe(202);
    expect(single.json()).toMatchObject({ altText: 'one', caption: 'c', media: [{ altText: 'one' }] });
  });

  it('saves privately: PUT and DELETE are idempotent, /me/saved lists only the caller’s', async () => {
    const ann = await t.signUp('ann');
    const ben = await t.signUp('ben');
    const mine = await post(ann, 1);
    const pending = await post(ann, 1, 'pending', false);
    expect((await call('PUT', `/photos/${mine.id}/save`, ben)).json()).toEqual({ saved: true });
    expect((await call('PUT', `/photos/${mine.id}/save`, ben)).json()).toEqual({ saved: true });
    expect((await call('PUT', `/photos/${pending.id}/save`, ben)).statusCode).toBe(404);
    expect((await call('PUT', `/photos/${mine.id}/save`)).statusCode).toBe(401);
    expect((await call('GET', '/me/saved')).statusCode).toBe(401);
    const saved = await call('GET', '/me/saved', ben);
    expect(saved.json().items.map((p: Photo) => [p.id, p.savedByMe])).toEqual([[mine.id, true]]);
    expect((await call('GET', '/me/saved', ann)).json().items).toEqual([]);
    expect((await call('GET', `/photos/${mine.id}`, ann)).json().savedByMe).toBe(false);
    expect((await call('DELETE', `/photos/${mine.id}/save`, ben)).json()).toEqual({ saved: false });
    expect((await call('DELETE', `/photos/${mine.id}/save`, ben)).json()).toEqual({ saved: false });
    expect((await call('GET', '/me/saved', ben)).json().items).toEqual([]);
  });
});
