import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signUpload } from '@graminsta/platform';
import { jpegWithGps } from '../testing/images.ts';
import { createTestApp, type TestApp } from '../testing/test-app.ts';

describe('photos, likes and comments over HTTP', () => {
  let t: TestApp;
  let jpeg: Buffer;
  beforeAll(async () => {
    t = await createTestApp();
    jpeg = await jpegWithGps(800, 600);
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

  async function readyPhoto(token: string, caption = 'hello #World #world #café') {
    const up = await call('POST', '/uploads', token, { contentType: 'image/jpeg', size: jpeg.length });
    expect(up.statusCode).toBe(201);
    expect((await t.sendUpload(up.json().upload, jpeg)).statusCode).toBe(201);
    const created = await call('POST', '/photos', token, {
      uploadId: up.json().uploadId,
      caption,
      altText: 'alt',
    });
    expect(created.statusCode).toBe(202);
    await t.comp.services.photos.processPhoto(created.json().id);
    return created.json().id as string;
  }

  it('takes a photo from upload to ready, with tags, likes and comments counted', async () => {
    const owner = await t.signUp('owner');
    const fan = await t.signUp('fan');
    const id = await readyPhoto(owner);
    const photo = (await call('GET', `/photos/${id}`, fan)).json();
    expect(photo).toMatchObject({ status: 'ready', likeCount: 0, likedByMe: false, tags: ['world', 'café'] });
    expect(Object.keys(photo.variants).sort()).toEqual(['thumb', 'w1080', 'w2048', 'w640']);
    expect(photo.variants.w2048.avifUrl).toMatch(/\.avif$/);
    expect(photo.variants.thumb).toMatchObject({ width: 320, height: 320 });
    expect(photo.placeholderColor).toMatch(/^#[0-9a-f]{6}$/);

    expect((await call('PUT', `/photos/${id}/like`, fan)).json()).toEqual({ liked: true, likeCount: 1 });
    expect((await call('PUT', `/photos/${id}/like`, fan)).json()).toEqual({ liked: true, likeCount: 1 });
    const c = await call('POST', `/photos/${id}/comments`, fan, { body: '  nice  ' });
    expect(c.statusCode).toBe(201);
    expect(c.json().body).toBe('nice');
    const again = (await call('GET', `/photos/${id}`, fan)).json();
    expect(again).toMatchObject({ likeCount: 1, commentCount: 1, likedByMe: true });
    expect((await call('GET', '/tags/World')).json().items.map((p: { id: string }) => p.id)).toEqual([id]);
    expect((await call('GET', '/explore')).json().items).toHaveLength(1);
  });

  it('refuses an unsupported type or an oversized upload, storing nothing', async () => {
    const token = await t.signUp('uploader');
    const before = await t.snapshot();
    const pdf = await call('POST', '/uploads', token, { contentType: 'application/pdf', size: 1000 });
    expect(pdf.statusCode).toBe(415);
    expect(pdf.json().error.code).toBe('unsupported_media_type');
    const big = await call('POST', '/uploads', token, { contentType: 'image/jpeg', size: 200 * 1024 * 1024 });
    expect(big.statusCode).toBe(413);
    const anon = await call('POST', '/uploads', undefined, { contentType: 'image/jpeg', size: 10 });
    expect(anon.statusCode).toBe(401);
    expect(await t.snapshot()).toEqual(before);
  });

  it('checks the signed upload URL: key, type, size, expiry', async () => {
    const token = await t.signUp('signer');
    const up = (
      await call('POST', '/uploads', token, { contentType: 'image/jpeg', size: jpeg.length })
    ).json();
    const before = await t.snapshot();
    const url = new URL(up.upload.url, 'http://localhost');

    const otherKey = new URL(url);
    otherKey.pathname = otherKey.pathname.replace(/[^/]+$/, 'somewhere-else');
    expect(
      (await t.sendUpload({ url: otherKey.toString(), headers: up.upload.headers }, jpeg)).statusCode,
    ).toBe(403);

    const biggerMax = new URL(url);
    biggerMax.searchParams.set('max', String(jpeg.length * 10));
    expect(
      (await t.sendUpload({ url: biggerMax.toString(), headers: up.upload.headers }, jpeg)).statusCode,
    ).toBe(403);

    // A changed expiry without a new signature: the HMAC refuses it.
    const tampered = new URL(url);
    tampered.searchParams.set('exp', String(Math.floor(Date.now() / 1000) + 3600));
    const badSig = await t.sendUpload({ url: tampered.toString(), headers: up.upload.headers }, jpeg);
    expect(badSig.statusCode).toBe(403);
    expect(badSig.json().error.message).toMatch(/bad signature/);

    // A validly signed URL whose time is up: refused for the expiry itself.
    const key = decodeURIComponent(url.pathname.replace(/^\/storage\/uploads\//, ''));
    const fields = {
      key,
      ct: 'image/jpeg',
      max: String(jpeg.length),
      exp: String(Math.floor(Date.now() / 1000) - 60),
    };
    const expired = new URL(url);
    expired.searchParams.set('exp', fields.exp);
    expired.searchParams.set('sig', signUpload(fields, t.comp.secret));
    const late = await t.sendUpload({ url: expired.toString(), headers: up.upload.headers }, jpeg);
    expect(late.statusCode).toBe(403);
    expect(late.json().error.message).toMatch(/expired/);

    const wrongType = await t.sendUpload(
      { url: up.upload.url, headers: { 'content-type': 'image/png' } },
      jpeg,
    );
    expect(wrongType.statusCode).toBe(415);

    const tooMany = await t.sendUpload(up.upload, Buffer.concat([jpeg, Buffer.alloc(10)]));
    expect(tooMany.statusCode).toBe(413);
    expect(await t.snapshot()).toEqual(before);

    // Creating the photo before any bytes arrived is refused too.
    const early = await call('POST', '/photos', token, { uploadId: up.uploadId });
    expect(early.statusCode).toBe(400);
    expect(await t.snapshot()).toEqual(before);
  });

  it('marks a PDF posing as a JPEG as failed, with a reason', async () => {
    const token = await t.signUp('trickster');
    const fake = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n');
    const up = (
      await call('POST', '/uploads', token, { contentType: 'image/jpeg', size: fake.length })
    ).json();
    expect((await t.sendUpload(up.upload, fake)).statusCode).toBe(201);
    const created = (await call('POST', '/photos', token, { uploadId: up.uploadId })).json();
    await t.comp.services.photos.processPhoto(created.id);
    const photo = (await call('GET', `/photos/${created.id}`, token)).json();
    expect(photo.status).toBe('failed');
    expect(photo.failureReason).toMatch(/not an image/i);
    // Nobody else sees a failed photo.
    const other = await t.signUp('onlooker');
    expect((await call('GET', `/photos/${created.id}`, other)).statusCode).toBe(404);
  });

  it('checks ownership: others cannot delete a photo or a comment', async () => {
    const owner = await t.signUp('keeper');
    const other = await t.signUp('intruder');
    const id = await readyPhoto(owner);
    const comment = (await call('POST', `/photos/${id}/comments`, owner, { body: 'mine' })).json();
    const before = await t.snapshot();
    const del = await call('DELETE', `/photos/${id}`, other);
    expect(del.statusCode).toBe(403);
    expect(del.json().error.code).toBe('forbidden');
    expect((await call('DELETE', `/comments/${comment.id}`, other)).statusCode).toBe(403);
    expect(await t.snapshot()).toEqual(before);
  });

  it.each([
    ['GET', '/photos/not-a-number', undefined, 400],
    ['GET', '/photos/123456789', undefined, 404],
    ['PUT', '/photos/123456789/like', 'token', 404],
    ['POST', '/photos/123456789/comments', 'token', 404],
    ['GET', '/feed', undefined, 401],
    ['GET', '/feed?limit=500', 'token', 400],
    ['GET', '/feed?cursor=%27%3Bdrop', 'token', 400],
    ['GET', '/users/nobody_here', undefined, 404],
    ['PUT', '/users/nobody_here/follow', 'token', 404],
    ['GET', '/search/users', undefined, 400],
    ['GET', '/tags/no%20spaces', undefined, 400],
    ['GET', '/no/such/route', undefined, 404],
  ])('%s %s → %i… and nothing changes', async (method, url, auth, status) => {
    const token = await t.signUp('prober');
    const before = await t.snapshot();
    const res = await call(
      method,
      url,
      auth ? token : undefined,
      method === 'POST' ? { body: 'x' } : undefined,
    );
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses an empty comment and following yourself', async () => {
    const me = await t.signUp('selfish');
    const id = await readyPhoto(me);
    const before = await t.snapshot();
    expect((await call('POST', `/photos/${id}/comments`, me, { body: '   ' })).statusCode).toBe(400);
    expect((await call('PUT', '/users/selfish/follow', me)).statusCode).toBe(400);
    expect(await t.snapshot()).toEqual(before);
  });
});
