import { createHash } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { and, count, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Photo, UserEvent } from '@graminsta/contracts';
import { MemoryQueue } from '@graminsta/platform';
import {
  comments as commentsTable,
  likes,
  notifications,
  photoTags,
  photos,
  uploads,
  users,
} from '../db/schema.ts';
import { CommentServiceImpl } from '../social/comment.service.ts';
import {
  createPhotoWorld,
  jpegBytes,
  makeUser,
  postPhoto,
  uploadAndCreate,
  uploadKey,
  type PhotoWorld,
} from './photo.fixtures.ts';
import { PhotoServiceImpl } from './photo.service.ts';

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (err: { code?: string }) => err.code ?? String(err),
  );

/** Every stored object key under the disk store, e.g. `p/123/ab…cd.webp`. */
async function storedKeys(dir: string): Promise<string[]> {
  const root = join(dir, 'objects');
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)));
}

const keyOfUrl = (url: string) => url.replace('http://storage.test/storage/blobs/', '');

function nextEvent(w: PhotoWorld, userId: string): Promise<UserEvent> {
  return new Promise((resolve) => {
    const unsubscribe = w.events.subscribe(userId, (event) => {
      void unsubscribe.then((stop) => stop());
      resolve(event);
    });
  });
}

async function phoneJpegWithGps(): Promise<Buffer> {
  return sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#228844' } })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExifMerge({
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '48/1 51/1 0/1',
        GPSLongitudeRef: 'E',
        GPSLongitude: '2/1 21/1 0/1',
      },
    })
    .toBuffer();
}

describe('PhotoService', () => {
  let w: PhotoWorld;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    w = await createPhotoWorld();
  });
  afterAll(() => w.close());
  beforeEach(async () => {
    await w.t.reset();
    await rm(join(w.dir, 'objects'), { recursive: true, force: true });
    alice = await makeUser(w.db, 'alice');
    bob = await makeUser(w.db, 'bob');
  });

  const photoCount = async (userId: string) =>
    (await w.db.select({ n: users.photoCount }).from(users).where(eq(users.id, userId)))[0]!.n;
  const rowsOf = async (
    table: typeof photos | typeof likes | typeof uploads | typeof notifications | typeof photoTags,
  ) => (await w.db.select({ n: count() }).from(table))[0]!.n;

  it('takes a photo from upload through the queue to ready: three stripped WebP variants, source gone', async () => {
    // A queue of its own: a worker on the shared queue would race the other tests' inline processing.
    const queue = new MemoryQueue();
    const service = new PhotoServiceImpl({ ...w, queue, maxImagePixels: 50_000_000 });
    queue.process('photo.process', async (payload) => {
      await service.processPhoto((payload as { photoId: string }).photoId);
    });
    const ready = nextEvent(w, alice);
    const created = await uploadAndCreate({ ...w, photos: service }, alice, await phoneJpegWithGps(), {
      caption: 'Paris #Travel #paris #été',
    });
    expect(created).toMatchObject({
      status: 'processing',
      variants: null,
      caption: 'Paris #Travel #paris #été',
      tags: ['travel', 'paris', 'été'],
      owner: { id: alice, username: 'alice', displayName: 'ALICE' },
      likeCount: 0,
      likedByMe: false,
    });
    expect(await photoCount(alice)).toBe(1);
    expect((await w.db.select().from(photoTags)).map((r) => r.tag).sort()).toEqual([
      'paris',
      'travel',
      'été',
    ]);

    const event = await ready;
    expect(event.type).toBe('photo.ready');
    const photo = (event.data as { photo: Photo }).photo;
    expect(photo).toMatchObject({ id: created.id, status: 'ready', width: 1200, height: 1600 });
    expect(photo.placeholderColor).toMatch(/^#[0-9a-f]{6}$/);
    expect(await w.photos.getPhoto(created.id, bob)).toEqual({ ...photo, likedByMe: false });

    const { thumb, w640, w1080 } = photo.variants!;
    expect([thumb.width, thumb.height, w640.width, w640.height, w1080.width, w1080.height]).toEqual([
      320, 320, 640, 853, 1080, 1440,
    ]);
    for (const v of [thumb, w640, w1080]) {
      const stored = await w.blobs.get(keyOfUrl(v.url));
      expect(stored?.contentType).toBe('image/webp');
      const sha = createHash('sha256').update(stored!.body).digest('hex');
      expect(keyOfUrl(v.url)).toBe(`p/${created.id}/${sha}.webp`);
      const meta = await sharp(stored!.body).metadata();
      expect(meta).toMatchObject({ format: 'webp', width: v.width, height: v.height });
      expect(meta.exif ?? meta.icc ?? meta.xmp ?? null).toBeNull();
    }
    // Only the variants (WebP, and AVIF twins of the width ones) remain: the original (with its GPS) is deleted.
    const { w2048 } = photo.variants!;
    expect([w2048?.width, w2048?.height]).toEqual([1200, 1600]);
    for (const v of [w640, w1080, w2048!]) expect(keyOfUrl(v.avifUrl!)).toMatch(/\.avif$/);
    expect((await storedKeys(w.dir)).sort()).toEqual(
      [thumb, w640, w1080, w2048!].flatMap((v) => [v.url, v.avifUrl ?? []].flat().map(keyOfUrl)).sort(),
    );
    await queue.close();
  });

  it('marks a PDF posing as a JPEG failed, tells the owner why, deletes the bytes, hides it from others', async () => {
    const pdf = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');
    const created = await uploadAndCreate(w, alice, pdf);
    const upload = await w.db.select().from(uploads);
    expect(await w.blobs.head(upload[0]!.key)).not.toBeNull();

    await w.photos.processPhoto(created.id);
    expect(await w.photos.getPhoto(created.id, alice)).toMatchObject({
      status: 'failed',
      failureReason: 'not an image',
      variants: null,
    });
    expect(await codeOf(w.photos.getPhoto(created.id, bob))).toBe('not_found');
    expect(await codeOf(w.photos.getPhoto(created.id, null))).toBe('not_found');
    expect(await storedKeys(w.dir)).toEqual([]);
    const events = await w.events.since(alice, '0');
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['photo.failed', { photoId: created.id, reason: 'not an image' }],
    ]);
  });

  it('shows a processing photo to its owner only', async () => {
    const created = await uploadAndCreate(w, alice, await jpegBytes());
    expect((await w.photos.getPhoto(created.id, alice)).status).toBe('processing');
    expect(await codeOf(w.photos.getPhoto(created.id, bob))).toBe('not_found');
    expect(await codeOf(w.photos.like(bob, created.id))).toBe('not_found');
    expect(await codeOf(w.photos.getPhoto('123456789', alice))).toBe('not_found');
  });

  it('refuses an unsupported type or an oversized upload, storing nothing', async () => {
    expect(await codeOf(w.photos.createUpload(alice, { contentType: 'application/pdf', size: 1000 }))).toBe(
      'unsupported_media_type',
    );
    expect(await codeOf(w.photos.createUpload(alice, { contentType: 'image/svg+xml', size: 1000 }))).toBe(
      'unsupported_media_type',
    );
    expect(
      await codeOf(w.photos.createUpload(alice, { contentType: 'image/jpeg', size: 20 * 1024 * 1024 + 1 })),
    ).toBe('payload_too_large');
    expect(await rowsOf(uploads)).toBe(0);
    expect(await storedKeys(w.dir)).toEqual([]);
  });

  it('hands out an upload bound to the caller, its type and size, expiring in 15 minutes', async () => {
    const before = Date.now();
    const target = await w.photos.createUpload(alice, { contentType: 'image/png', size: 1234 });
    expect(target.upload).toMatchObject({ method: 'PUT', headers: { 'content-type': 'image/png' } });
    const expires = Date.parse(target.expiresAt) - before;
    expect(expires).toBeGreaterThan(14 * 60_000);
    expect(expires).toBeLessThanOrEqual(15 * 60_000 + 5_000);
    const [row] = await w.db.select().from(uploads).where(eq(uploads.id, target.uploadId));
    expect(row).toMatchObject({ ownerId: alice, contentType: 'image/png', maxBytes: 1234, photoId: null });
    expect(row!.key.startsWith(`uploads/${alice}/`)).toBe(true);
  });

  it('creates a photo only from an own, unused, unexpired upload that holds bytes', async () => {
    const target = await w.photos.createUpload(alice, { contentType: 'image/jpeg', size: 100_000 });
    const create = (userId: string, uploadId = target.uploadId) =>
      codeOf(w.photos.createPhoto(userId, { uploadId }));
    expect(await create(alice)).toBe('bad_request'); // no bytes yet
    await w.blobs.put(await uploadKey(w, target.uploadId), await jpegBytes(), 'image/jpeg');
    expect(await create(bob)).toBe('not_found');
    expect(await create(alice, '123')).toBe('not_found');
    expect(await rowsOf(photos)).toBe(0);

    // Two requests racing with one upload make one photo.
    const results = await Promise.all([create(alice), create(alice), create(alice)]);
    expect(results.sort()).toEqual(['conflict', 'conflict', 'ok']);
    expect(await rowsOf(photos)).toBe(1);
    expect(await photoCount(alice)).toBe(1);

    const expiring = new PhotoServiceImpl({ ...w, maxImagePixels: 1e6, uploadTtlSeconds: 0 });
    const stale = await expiring.createUpload(alice, { contentType: 'image/jpeg', size: 100_000 });
    await w.blobs.put(await uploadKey(w, stale.uploadId), await jpegBytes(), 'image/jpeg');
    expect(await codeOf(expiring.createPhoto(alice, { uploadId: stale.uploadId }))).toBe('conflict');
    expect(await rowsOf(photos)).toBe(1);
  });

  it('deletes a photo with its likes, tags, notifications, upload, avatar and every stored object', async () => {
    const photo = await postPhoto(w, alice, { caption: '#sunset' });
    const other = await postPhoto(w, alice);
    await w.photos.like(bob, photo.id);
    const thumbUrl = photo.variants!.thumb.url;
    await w.db.update(users).set({ avatarPhotoId: photo.id, avatarUrl: thumbUrl }).where(eq(users.id, alice));
    expect(await photoCount(alice)).toBe(2);
    expect(await rowsOf(notifications)).toBe(1);

    await w.photos.deletePhoto(alice, photo.id);
    expect(await codeOf(w.photos.getPhoto(photo.id, alice))).toBe('not_found');
    const [owner] = await w.db.select().from(users).where(eq(users.id, alice));
    expect(owner).toMatchObject({ photoCount: 1, avatarPhotoId: null, avatarUrl: null });
    expect(await rowsOf(likes)).toBe(0);
    expect(await rowsOf(photoTags)).toBe(0);
    expect(await rowsOf(notifications)).toBe(0);
    expect(await rowsOf(uploads)).toBe(1);
    // Only the other photo's files are left on disk.
    expect((await storedKeys(w.dir)).sort()).toEqual(
      [
        ...new Set(
          Object.values(other.variants!).flatMap((v) => [v.url, v.avifUrl ?? []].flat().map(keyOfUrl)),
        ),
      ].sort(),
    );
    expect(await codeOf(w.photos.deletePhoto(alice, photo.id))).toBe('not_found');
  });

  it('refuses to delete another user’s photo and changes nothing', async () => {
    const photo = await postPhoto(w, alice);
    await w.photos.like(bob, photo.id);
    const files = await storedKeys(w.dir);
    expect(await codeOf(w.photos.deletePhoto(bob, photo.id))).toBe('forbidden');
    expect(await w.photos.getPhoto(photo.id, bob)).toMatchObject({
      likeCount: 1,
      likedByMe: true,
      status: 'ready',
    });
    expect(await photoCount(alice)).toBe(1);
    expect(await storedKeys(w.dir)).toEqual(files);
    expect(await rowsOf(likes)).toBe(1);
  });

  it('likes and unlikes idempotently, notifying the owner once and retracting on unlike', async () => {
    const photo = await postPhoto(w, alice);
    expect(await w.photos.like(bob, photo.id)).toEqual({ liked: true, likeCount: 1 });
    expect(await w.photos.like(bob, photo.id)).toEqual({ liked: true, likeCount: 1 });
    expect(await w.photos.like(alice, photo.id)).toEqual({ liked: true, likeCount: 2 });
    expect((await w.photos.getPhoto(photo.id, bob)).likedByMe).toBe(true);
    // The owner's own like notifies nobody.
    const notes = await w.db.select().from(notifications);
    expect(notes.map((n) => [n.type, n.userId, n.actorId, n.photoId])).toEqual([
      ['like', alice, bob, photo.id],
    ]);
    expect((await w.events.since(alice, '0')).filter((e) => e.type === 'notification')).toHaveLength(1);

    expect(await w.photos.unlike(bob, photo.id)).toEqual({ liked: false, likeCount: 1 });
    expect(await w.photos.unlike(bob, photo.id)).toEqual({ liked: false, likeCount: 1 });
    expect(await rowsOf(notifications)).toBe(0);
    expect((await w.photos.getPhoto(photo.id, bob)).likedByMe).toBe(false);
    expect(await codeOf(w.photos.like(bob, '42'))).toBe('not_found');
  });

  it('keeps like_count equal to the likes under 30 concurrent likes and racing unlikes', async () => {
    const photo = await postPhoto(w, alice);
    const fans: string[] = [];
    for (let i = 0; i < 30; i++) fans.push(await makeUser(w.db, `fan${i}`));
    for (const fan of fans.slice(0, 10)) await w.photos.like(fan, photo.id);

    await Promise.all([
      ...fans.map((fan) => w.photos.like(fan, photo.id)),
      ...fans.slice(0, 5).map((fan) => w.photos.like(fan, photo.id)),
      ...fans.slice(5, 15).map((fan) => w.photos.unlike(fan, photo.id)),
      ...fans.slice(25).map((fan) => w.photos.unlike(fan, photo.id)),
    ]);
    const [liked] = await w.db.select({ n: count() }).from(likes).where(eq(likes.photoId, photo.id));
    const { likeCount } = await w.photos.getPhoto(photo.id, null);
    expect(likeCount).toBe(liked!.n);
    // Fans 0–4 and 15–24 never unliked; the others' likes and unlikes raced either way.
    expect(likeCount).toBeGreaterThanOrEqual(15);
    expect(likeCount).toBeLessThanOrEqual(30);
    const sure = [...fans.slice(0, 5), ...fans.slice(15, 25)];
    const likedBy = await w.db
      .select({ userId: likes.userId })
      .from(likes)
      .where(eq(likes.photoId, photo.id));
    expect(sure.every((fan) => likedBy.some((l) => l.userId === fan))).toBe(true);
    const [notes] = await w.db
      .select({ n: count() })
      .from(notifications)
      .where(and(eq(notifications.photoId, photo.id), eq(notifications.type, 'like')));
    expect(notes!.n).toBe(likeCount);
  });

  it('deletes a photo while others like, unlike and comment: only not_found errors, no orphan rows', async () => {
    const comments = new CommentServiceImpl({ db: w.db, notifier: w.notifier });
    const photo = await postPhoto(w, alice, { caption: '#busy' });
    const fans: string[] = [];
    for (let i = 0; i < 20; i++) fans.push(await makeUser(w.db, `fan${i}`));
    for (const fan of fans.slice(0, 10)) await w.photos.like(fan, photo.id);
    const said = [];
    for (const fan of fans.slice(0, 5)) said.push(await comments.create(fan, photo.id, 'hi'));

    const outcomes = await Promise.all([
      ...fans.slice(0, 10).map((fan) => codeOf(w.photos.unlike(fan, photo.id))),
      ...fans.slice(10).map((fan) => codeOf(w.photos.like(fan, photo.id))),
      ...fans.slice(10, 15).map((fan) => codeOf(comments.create(fan, photo.id, 'late'))),
      ...said.map((c, i) => codeOf(comments.delete(fans[i]!, c.id))),
      codeOf(w.photos.deletePhoto(alice, photo.id)),
      ...fans.slice(15).map((fan) => codeOf(w.photos.unlike(fan, photo.id))),
    ]);
    expect(outcomes.filter((o) => o !== 'ok' && o !== 'not_found')).toEqual([]);
    expect(outcomes.at(-6)).toBe('ok');
    for (const table of [photos, likes, photoTags, notifications]) expect(await rowsOf(table)).toBe(0);
    const [left] = await w.db.select({ n: count() }).from(commentsTable);
    expect(left!.n).toBe(0);
    expect(await photoCount(alice)).toBe(0);
  });

  it('lists a user’s photos newest first in pages; only the owner sees unfinished ones', async () => {
    const posted: string[] = [];
    for (let i = 0; i < 5; i++) posted.push((await postPhoto(w, alice, { caption: `#${i}` })).id);
    const pending = await uploadAndCreate(w, alice, await jpegBytes());
    const newestFirst = [...posted].reverse();

    const first = await w.photos.listByUser('ALICE', bob, { limit: 2 });
    const second = await w.photos.listByUser('alice', bob, { limit: 2, cursor: first.nextCursor! });
    const third = await w.photos.listByUser('alice', bob, { limit: 2, cursor: second.nextCursor! });
    expect([...first.items, ...second.items, ...third.items].map((p) => p.id)).toEqual(newestFirst);
    expect(third.nextCursor).toBeNull();

    const own = await w.photos.listByUser('alice', alice, { limit: 20 });
    expect(own.items.map((p) => p.id)).toEqual([pending.id, ...newestFirst]);
    expect(await codeOf(w.photos.listByUser('nobody', bob, { limit: 20 }))).toBe('not_found');
    expect(await codeOf(w.photos.listByUser('alice', bob, { limit: 20, cursor: 'junk' }))).toBe(
      'validation_failed',
    );
  });

  it('requeues photos left processing when an in-process queue lost its jobs', async () => {
    const created = await uploadAndCreate(w, alice, await jpegBytes());
    // A restart: a fresh queue knows nothing of the job enqueued before.
    const queue = new MemoryQueue();
    const restarted = new PhotoServiceImpl({ ...w, queue, maxImagePixels: 50_000_000 });
    const ready = nextEvent(w, alice);
    expect(await restarted.requeueStuck()).toBe(1);
    queue.process('photo.process', async (payload) => {
      await restarted.processPhoto((payload as { photoId: string }).photoId);
    });
    expect((await ready).type).toBe('photo.ready');
    expect((await w.photos.getPhoto(created.id, alice)).status).toBe('ready');
    expect(await restarted.requeueStuck()).toBe(0);
    await queue.close();
  });

  it('leaves the photo processing and rethrows when storage is down, so the queue retries', async () => {
    const created = await uploadAndCreate(w, alice, await jpegBytes());
    const failing = Object.assign(Object.create(w.blobs) as typeof w.blobs, {
      stream: () => Promise.reject(new Error('storage unreachable')),
    });
    const worker = new PhotoServiceImpl({ ...w, blobs: failing, maxImagePixels: 50_000_000 });
    await expect(worker.processPhoto(created.id)).rejects.toThrow('storage unreachable');
    expect((await w.photos.getPhoto(created.id, alice)).status).toBe('processing');
    await w.photos.processPhoto(created.id);
    expect((await w.photos.getPhoto(created.id, alice)).status).toBe('ready');
    // A second run of a finished job changes nothing.
    const files = await storedKeys(w.dir);
    await w.photos.processPhoto(created.id);
    expect(await storedKeys(w.dir)).toEqual(files);
  });

  it('cleans up variants written for a photo deleted while it was being processed', async () => {
    const created = await uploadAndCreate(w, alice, await jpegBytes());
    const racing = Object.assign(Object.create(w.blobs) as typeof w.blobs, {
      stream: async (key: string) => {
        const object = await w.blobs.stream(key);
        await w.photos.deletePhoto(alice, created.id);
        return object;
      },
    });
    const worker = new PhotoServiceImpl({ ...w, blobs: racing, maxImagePixels: 50_000_000 });
    await worker.processPhoto(created.id);
    expect(await rowsOf(photos)).toBe(0);
    expect(await storedKeys(w.dir)).toEqual([]);
  });
});
