import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  MULTIPART_MIN_BYTES,
  MULTIPART_PART_BYTES,
  type UploadParts,
  type UploadTarget,
} from '@graminsta/contracts';
import { rawQuery } from '@graminsta/core/testing/test-db';
import { jpegWithGps } from '../testing/images.ts';
import { createS3TestApp, dropPartMidway, putPart, type S3TestApp } from '../testing/s3-test-app.ts';

const SIZE = MULTIPART_MIN_BYTES + 1000; // two parts: 5 MiB and the rest

describe('MULTIPART uploads through the API', () => {
  let t: S3TestApp;
  let file: Buffer;
  let alice: string;
  beforeAll(async () => {
    t = await createS3TestApp();
    // A real JPEG padded to size: decoders stop at the end-of-image marker.
    const jpeg = await jpegWithGps(640, 480);
    file = Buffer.concat([jpeg, Buffer.alloc(SIZE - jpeg.length, 0x5a)]);
  });
  beforeEach(async () => {
    await t.testDb.reset();
    alice = await t.signUp('alice');
  });
  afterAll(() => t.close());

  const call = (method: string, url: string, token?: string, payload?: unknown) =>
    t.app.inject({
      method: method as 'GET',
      url: `/api/v1${url}`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
  const start = async (token = alice, size = SIZE) => {
    const res = await call('POST', '/uploads', token, { contentType: 'image/jpeg', size, multipart: true });
    expect(res.statusCode).toBe(201);
    return res.json() as UploadTarget;
  };
  const sign = (id: string, partNumbers: unknown, token = alice) =>
    call('POST', `/uploads/${id}/parts`, token, { partNumbers });
  const complete = (id: string, token = alice) => call('POST', `/uploads/${id}/complete`, token);
  const part = (n: number) => file.subarray((n - 1) * MULTIPART_PART_BYTES, n * MULTIPART_PART_BYTES);
  async function unchangedBy(act: () => ReturnType<typeof call>, status: number) {
    const before = await t.s3Snapshot();
    const res = await act();
    expect(res.statusCode, res.body).toBe(status);
    expect(await t.s3Snapshot()).toEqual(before);
    return res;
  }

  it('resumes after a connection drops mid-part and completes into a photo that becomes ready', async () => {
    const up = await start();
    expect(up.upload).toEqual({
      method: 'MULTIPART',
      url: `/api/v1/uploads/${up.uploadId}/parts`,
      partSize: MULTIPART_PART_BYTES,
      partCount: 2,
    });
    const first = (await sign(up.uploadId, [1, 2])).json() as UploadParts;
    expect(first.received).toEqual([]);
    expect(first.parts.map((p) => p.partNumber)).toEqual([1, 2]);
    expect(await putPart(first.parts[1]!.url, part(2))).toBe(200);
    await dropPartMidway(first.parts[0]!.url, part(1), 1024 * 1024);

    // The client comes back: the store holds part 2 whole, part 1 not at all.
    const again = (await sign(up.uploadId, [1])).json() as UploadParts;
    expect(again.received).toEqual([{ partNumber: 2, size: SIZE - MULTIPART_PART_BYTES }]);
    await unchangedBy(() => complete(up.uploadId), 409);
    expect(await putPart(again.parts[0]!.url, part(1))).toBe(200);

    const done = await complete(up.uploadId);
    expect(done.statusCode).toBe(200);
    expect(done.json()).toEqual({ uploadId: up.uploadId, size: SIZE });
    // A completion retried after a lost answer gets the same answer.
    expect((await complete(up.uploadId)).json()).toEqual({ uploadId: up.uploadId, size: SIZE });
    expect((await sign(up.uploadId, [1])).statusCode).toBe(409);

    const created = await call('POST', '/photos', alice, { uploadId: up.uploadId });
    expect(created.statusCode).toBe(202);
    await t.comp.services.photos.processPhoto(created.json().id);
    expect((await call('GET', `/photos/${created.json().id}`, alice)).json()).toMatchObject({
      status: 'ready',
      width: 640,
    });
    expect((await complete(up.uploadId)).statusCode).toBe(409);
  });

  it('refuses to complete with a part of the wrong size, and joins nothing', async () => {
    const up = await start();
    const { parts } = (await sign(up.uploadId, [1, 2])).json() as UploadParts;
    // Both parts must have landed (a refused PUT would make the 409 below about a missing part).
    expect(await putPart(parts[0]!.url, part(1).subarray(0, 1000))).toBe(200);
    expect(await putPart(parts[1]!.url, part(2))).toBe(200);
    const res = await unchangedBy(() => complete(up.uploadId), 409);
    expect(res.json().error.message).toMatch(/part 1 has 1000 bytes/);
    await unchangedBy(() => call('POST', '/photos', alice, { uploadId: up.uploadId }), 400);
  });

  it('asks for auth, hides other people’s uploads, and checks part numbers', async () => {
    const up = await start();
    const bob = await t.signUp('bob');
    await unchangedBy(() => sign(up.uploadId, [1], ''), 401);
    await unchangedBy(() => complete(up.uploadId, ''), 401);
    await unchangedBy(() => sign(up.uploadId, [1], bob), 404);
    await unchangedBy(() => complete(up.uploadId, bob), 404);
    for (const bad of [
      [0],
      [],
      [-1],
      [1.5],
      ['1'],
      [10_001],
      Array.from({ length: 101 }, (_, i) => i + 1),
      null,
      'x',
    ])
      await unchangedBy(() => sign(up.uploadId, bad), 400);
    await unchangedBy(() => sign(up.uploadId, [3]), 409);
    expect((await sign(up.uploadId, [2, 2, 1])).json().parts).toHaveLength(2);
  });

  it('answers 409 for an upload that is not MULTIPART, or has expired', async () => {
    const small = (
      await call('POST', '/uploads', alice, { contentType: 'image/jpeg', size: 1000, multipart: true })
    ).json();
    expect(small.upload.method).toBe('POST');
    await unchangedBy(() => sign(small.uploadId, [1]), 409);
    await unchangedBy(() => complete(small.uploadId), 409);
    const big = (await call('POST', '/uploads', alice, { contentType: 'image/jpeg', size: SIZE })).json();
    expect(big.upload.method).toBe('POST');

    const gone = await start();
    const { rows } = await rawQuery(
      t.comp.database,
      `select key, multipart_id from uploads where id = ${gone.uploadId}`,
    );
    // Aborted at the store behind the API's back (a lifecycle rule, an operator).
    await t.comp.blobs.multipart!.abort(String(rows[0]!.key), String(rows[0]!.multipart_id));
    expect((await unchangedBy(() => sign(gone.uploadId, [1]), 409)).json().error.message).toMatch(
      /no longer/,
    );
    await unchangedBy(() => complete(gone.uploadId), 409);

    const up = await start();
    await rawQuery(t.comp.database, `update uploads set expires_at = now() - interval '1 minute'`);
    await unchangedBy(() => sign(up.uploadId, [1]), 409);
    await unchangedBy(() => complete(up.uploadId), 409);
  });

  it('refuses hostile bodies on the new fields with 400 and keeps serving', async () => {
    const up = await start();
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const hostile: Array<[string, string | object]> = [
      ['/uploads', { contentType: 'image/jpeg', size: SIZE, multipart: 'yes' }],
      ['/uploads', `{"contentType":"image/jpeg","size":9000000,"multipart":{"deep":${deep}}}`],
      ['/uploads', '{"contentType":"image/jpeg","size":9000000,"multipart":tru\u0000e}'],
      [`/uploads/${up.uploadId}/parts`, `{"partNumbers":${deep}}`],
      [`/uploads/${up.uploadId}/parts`, { partNumbers: Array.from({ length: 100_000 }, () => 1) }],
      [`/uploads/${up.uploadId}/parts`, '{"partNumbers":[1\xff\xfe]}'],
      [`/uploads/${up.uploadId}/parts`, { partNumbers: [Number.MAX_SAFE_INTEGER + 2] }],
    ];
    for (const [url, payload] of hostile) {
      const before = await t.s3Snapshot();
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1${url}`,
        headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
        payload: typeof payload === 'string' ? Buffer.from(payload, 'latin1') : JSON.stringify(payload),
      });
      expect([400, 413], `${url} ${res.body}`).toContain(res.statusCode);
      expect(await t.s3Snapshot()).toEqual(before);
    }
    expect((await sign(up.uploadId, [1])).statusCode).toBe(200);
  });

  it('has the sweep abort expired MULTIPART uploads with their parts', async () => {
    const up = await start();
    const { parts } = (await sign(up.uploadId, [1])).json() as UploadParts;
    await putPart(parts[0]!.url, part(1));
    const [row] = (await rawQuery(t.comp.database, `select key, multipart_id from uploads`)).rows;
    await rawQuery(t.comp.database, `update uploads set expires_at = now() - interval '1 minute'`);
    expect(await t.comp.services.photos.pruneExpiredUploads()).toBe(1);
    await expect(
      t.comp.blobs.multipart!.listParts(String(row!.key), String(row!.multipart_id)),
    ).rejects.toThrow();
    expect((await rawQuery(t.comp.database, `select count(*)::int as n from uploads`)).rows[0]!.n).toBe(0);
  });
});

describe('deleting a photo at stage 5', () => {
  let t: S3TestApp;
  let edge: Server;
  const purged: string[] = [];
  beforeAll(async () => {
    // An edge that records what it is told to purge (the real one is nginx's cache-purge module).
    edge = createServer((req, res) => {
      purged.push(`${req.method} ${req.url}`);
      res.writeHead(req.url?.includes('never-cached') ? 404 : 200).end();
    });
    await new Promise<void>((resolve) => edge.listen(0, '127.0.0.1', resolve));
    const { port } = edge.address() as AddressInfo;
    t = await createS3TestApp({ CDN_PURGE_URLS: `http://127.0.0.1:${port}/purge` });
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => edge.close(resolve));
  });

  it('deletes its objects and purges each of them at the edge', async () => {
    const alice = await t.signUp('alice');
    const jpeg = await jpegWithGps(400, 300);
    const up = await t.app.inject({
      method: 'POST',
      url: '/api/v1/uploads',
      headers: { authorization: `Bearer ${alice}` },
      payload: { contentType: 'image/jpeg', size: jpeg.length },
    });
    await t.postForm(up.json(), jpeg);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/photos',
      headers: { authorization: `Bearer ${alice}` },
      payload: { uploadId: up.json().uploadId },
    });
    await t.comp.services.photos.processPhoto(created.json().id);
    const photo = (
      await t.app.inject({
        url: `/api/v1/photos/${created.json().id}`,
        headers: { authorization: `Bearer ${alice}` },
      })
    ).json();
    const keys = Object.values(photo.variants as Record<string, { url: string; avifUrl?: string }>)
      .flatMap((v) => [v.url, v.avifUrl])
      .filter((u): u is string => !!u)
      .map((u) => new URL(u).pathname.slice(1));
    expect(keys.length).toBeGreaterThanOrEqual(7);

    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/photos/${created.json().id}`,
      headers: { authorization: `Bearer ${alice}` },
    });
    expect(deleted.statusCode).toBe(200);
    for (const key of keys) {
      expect(purged).toContain(`PURGE /purge/${key}`);
      expect(await t.comp.blobs.head(key)).toBeNull();
    }
    // The private original is never sent to the edge.
    expect(purged.some((p) => p.includes('/uploads/'))).toBe(false);
  });
});
