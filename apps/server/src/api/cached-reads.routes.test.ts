import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MapReadCache } from '@graminsta/core/testing/map-cache';
import { jpegWithGps } from '../testing/images.ts';
import { createTestApp, type TestApp } from '../testing/test-app.ts';

/** Read-your-own-writes over HTTP with every profile and photo read going through a shared cache. */
describe('cached profile and photo reads over HTTP', () => {
  const cache = new MapReadCache();
  let t: TestApp;
  let jpeg: Buffer;
  beforeAll(async () => {
    t = await createTestApp({}, { cache });
    jpeg = await jpegWithGps(320, 240);
  });
  beforeEach(async () => {
    await t.testDb.reset();
    cache.entries.clear();
  });
  afterAll(() => t.close());

  const call = (method: string, url: string, token?: string, payload?: unknown) =>
    t.app.inject({
      method: method as 'GET',
      url: `/api/v1${url}`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
  const json = async (method: string, url: string, token?: string, payload?: unknown) =>
    (await call(method, url, token, payload)).json();

  async function readyPhoto(token: string) {
    const up = await json('POST', '/uploads', token, { contentType: 'image/jpeg', size: jpeg.length });
    expect((await t.sendUpload(up.upload, jpeg)).statusCode).toBe(201);
    const created = await json('POST', '/photos', token, { uploadId: up.uploadId, caption: 'first' });
    await t.comp.services.photos.processPhoto(created.id);
    return created.id as string;
  }

  it('a profile edit, a follow and a block show in the next read, for the writer and nobody else', async () => {
    const alice = await t.signUp('alice');
    const bob = await t.signUp('bob');
    expect(await json('GET', '/users/alice', bob)).toMatchObject({ followedByMe: false, followerCount: 0 });
    expect(await json('GET', '/users/alice')).toMatchObject({ displayName: '' });

    await call('PATCH', '/me', alice, { displayName: 'Alice', private: true });
    expect(await json('GET', '/users/alice')).toMatchObject({ displayName: 'Alice', private: true });
    expect((await call('GET', '/users/alice/photos', bob)).statusCode).toBe(403);

    await call('PUT', '/users/alice/follow', bob);
    expect(await json('GET', '/users/alice', bob)).toMatchObject({
      requestedByMe: true,
      followedByMe: false,
    });
    await call('POST', '/me/follow-requests/bob/accept', alice);
    expect(await json('GET', '/users/alice', bob)).toMatchObject({ followedByMe: true, followerCount: 1 });
    expect((await call('GET', '/users/alice/photos', bob)).statusCode).toBe(200);
    expect(await json('GET', '/users/alice')).toMatchObject({ followedByMe: false, followerCount: 1 });

    await call('PUT', '/users/bob/block', alice);
    expect((await call('GET', '/users/alice', bob)).statusCode).toBe(404);
    expect(await json('GET', '/users/bob', alice)).toMatchObject({ blockedByMe: true, followingCount: 0 });
    expect(cache.invalidated.length).toBeGreaterThan(0);
  });

  it('a post, its like, its edit and its deletion show in the next read', async () => {
    const alice = await t.signUp('alice');
    const bob = await t.signUp('bob');
    expect((await json('GET', '/users/alice')).photoCount).toBe(0);
    const id = await readyPhoto(alice);
    expect((await json('GET', '/users/alice')).photoCount).toBe(1);
    expect(await json('GET', `/photos/${id}`, bob)).toMatchObject({ likeCount: 0, likedByMe: false });

    await call('PUT', `/photos/${id}/like`, bob);
    expect(await json('GET', `/photos/${id}`, bob)).toMatchObject({ likeCount: 1, likedByMe: true });
    expect(await json('GET', `/photos/${id}`, alice)).toMatchObject({ likeCount: 1, likedByMe: false });

    await call('PATCH', `/photos/${id}`, alice, { caption: 'second' });
    expect((await json('GET', `/photos/${id}`)).caption).toBe('second');

    await call('DELETE', `/photos/${id}`, alice);
    expect((await call('GET', `/photos/${id}`, alice)).statusCode).toBe(404);
    expect((await json('GET', '/users/alice', alice)).photoCount).toBe(0);
  });
});
