import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { uploads } from '../db/schema.ts';
import { createPhotoWorld, jpegBytes, makeUser, uploadKey, type PhotoWorld } from './photo.fixtures.ts';
import { PhotoServiceImpl } from './photo.service.ts';

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (err: { code?: string }) => err.code ?? String(err),
  );

const MB = 1_000_000;

describe('uploads: received once, counted against a quota, swept when they expire unused', () => {
  let w: PhotoWorld;
  let alice: string;
  beforeAll(async () => {
    w = await createPhotoWorld();
  });
  afterAll(() => w.close());
  beforeEach(async () => {
    await w.t.reset();
    alice = await makeUser(w.db, 'alice');
  });

  const uploadRows = async () => (await w.db.select({ n: count() }).from(uploads))[0]!.n;
  const putBytes = (key: string) => async () => w.blobs.put(key, Buffer.from('bytes'), 'image/jpeg');

  it('lets one receipt through per target; a failed commit leaves the target open', async () => {
    const target = await w.photos.createUpload(alice, { contentType: 'image/jpeg', size: 1000 });
    const key = await uploadKey(w, target.uploadId);

    const broken = w.photos.receiveUpload(key, () => Promise.reject(new Error('disk full')));
    await expect(broken).rejects.toThrow('disk full');
    const [row] = await w.db.select().from(uploads).where(eq(uploads.id, target.uploadId));
    expect(row?.receivedAt).toBeNull();

    const racing = await Promise.all([
      codeOf(w.photos.receiveUpload(key, putBytes(key))),
      codeOf(w.photos.receiveUpload(key, putBytes(key))),
      codeOf(w.photos.receiveUpload(key, putBytes(key))),
    ]);
    expect(racing.sort()).toEqual(['conflict', 'conflict', 'ok']);
    expect(await codeOf(w.photos.receiveUpload('uploads/nobody/nothing', putBytes(key)))).toBe('conflict');
  });

  it('refuses bytes for a target that already made a photo or has expired', async () => {
    const target = await w.photos.createUpload(alice, { contentType: 'image/jpeg', size: 100_000 });
    const key = await uploadKey(w, target.uploadId);
    await w.blobs.put(key, await jpegBytes(), 'image/jpeg');
    await w.photos.createPhoto(alice, { uploadId: target.uploadId });
    expect(await codeOf(w.photos.receiveUpload(key, putBytes(key)))).toBe('conflict');

    const expiring = new PhotoServiceImpl({ ...w, maxImagePixels: 1e6, uploadTtlSeconds: 0 });
    const stale = await expiring.createUpload(alice, { contentType: 'image/jpeg', size: 1000 });
    const staleKey = await uploadKey(w, stale.uploadId);
    expect(await codeOf(w.photos.receiveUpload(staleKey, putBytes(staleKey)))).toBe('conflict');
    expect(await w.blobs.head(staleKey)).toBeNull();
  });

  it('refuses an upload over the bytes-in-flight quota with rate_limited, adding nothing', async () => {
    const quota = new PhotoServiceImpl({ ...w, maxImagePixels: 50_000_000, uploadQuotaBytes: 3 * MB });
    const first = await quota.createUpload(alice, { contentType: 'image/jpeg', size: 2 * MB });
    await quota.createUpload(alice, { contentType: 'image/jpeg', size: MB });
    expect(await uploadRows()).toBe(2);
    expect(await codeOf(quota.createUpload(alice, { contentType: 'image/jpeg', size: 1 }))).toBe(
      'rate_limited',
    );
    expect(await uploadRows()).toBe(2);
    // Another account has a quota of its own.
    const bob = await makeUser(w.db, 'bob');
    expect(await codeOf(quota.createUpload(bob, { contentType: 'image/jpeg', size: 3 * MB }))).toBe('ok');

    // A processed photo no longer counts: its bytes are out of flight.
    await w.blobs.put(await uploadKey(w, first.uploadId), await jpegBytes(), 'image/jpeg');
    const photo = await quota.createPhoto(alice, { uploadId: first.uploadId });
    expect(await codeOf(quota.createUpload(alice, { contentType: 'image/jpeg', size: MB }))).toBe(
      'rate_limited',
    );
    await quota.processPhoto(photo.id);
    expect(await codeOf(quota.createUpload(alice, { contentType: 'image/jpeg', size: 2 * MB }))).toBe('ok');
  });

  it('lets only as many racing uploads through as the quota holds', async () => {
    const quota = new PhotoServiceImpl({ ...w, maxImagePixels: 50_000_000, uploadQuotaBytes: 2 * MB });
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        codeOf(quota.createUpload(alice, { contentType: 'image/jpeg', size: MB })),
      ),
    );
    expect(results.sort()).toEqual(['ok', 'ok', 'rate_limited', 'rate_limited']);
    expect(await uploadRows()).toBe(2);
  });

  it('sweeps unused uploads past their expiry, rows and bytes, and nothing else', async () => {
    const unused = await w.photos.createUpload(alice, { contentType: 'image/jpeg', size: 1000 });
    const received = await w.photos.createUpload(alice, { contentType: 'image/jpeg', size: 1000 });
    const used = await w.photos.createUpload(alice, { contentType: 'image/jpeg', size: 100_000 });
    const receivedKey = await uploadKey(w, received.uploadId);
    await w.photos.receiveUpload(receivedKey, putBytes(receivedKey));
    await w.blobs.put(await uploadKey(w, used.uploadId), await jpegBytes(), 'image/jpeg');
    await w.photos.createPhoto(alice, { uploadId: used.uploadId });

    // Before the expiry (a clock the test controls), nothing goes.
    expect(await w.photos.pruneExpiredUploads(new Date())).toBe(0);
    expect(await uploadRows()).toBe(3);

    const later = new Date(new Date(unused.expiresAt).getTime() + 1000);
    expect(await w.photos.pruneExpiredUploads(later)).toBe(2);
    const left = await w.db.select({ id: uploads.id }).from(uploads);
    expect(left.map((r) => r.id)).toEqual([used.uploadId]);
    expect(await w.blobs.head(receivedKey)).toBeNull();
    // The used upload's original is the worker's until it processes the photo.
    expect(await w.blobs.head(await uploadKey(w, used.uploadId))).not.toBeNull();
    expect(await w.photos.pruneExpiredUploads(later)).toBe(0);
  });
});
