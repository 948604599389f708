import { readdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { count, eq } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Photo, UserEvent } from '@graminsta/contracts';
import type { BlobStore } from '@graminsta/platform';
import {
  comments,
  likes,
  notifications,
  photoMedia,
  photoTags,
  photos,
  saves,
  uploads,
  users,
} from '../db/schema.ts';
import { FeedServiceImpl } from '../feed/feed.service.ts';
import { CommentServiceImpl } from '../social/comment.service.ts';
import { createPhotoWorld, jpegBytes, makeUser, uploadKey, type PhotoWorld } from './photo.fixtures.ts';
import { PhotoServiceImpl } from './photo.service.ts';
import { MAX_MENTIONS } from './tags.ts';

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (err: { code?: string }) => err.code ?? String(err),
  );

async function storedKeys(dir: string): Promise<string[]> {
  const root = join(dir, 'objects');
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

const keyOfUrl = (url: string) => url.replace('http://storage.test/storage/blobs/', '');

/** The object keys a presented post's items point at. */
const variantKeys = (photo: Photo) => [...new Set(photo.media.flatMap(itemKeys))].sort();

/**
 * One item's object keys, WebP and AVIF (variants a photo is too small to tell apart share their
 * bytes and key).
 */
const itemKeys = (item: Photo['media'][number]) => [
  ...new Set(
    Object.values(item.variants ?? {}).flatMap((v) => [
      keyOfUrl(v.url),
      ...(v.avifUrl ? [keyOfUrl(v.avifUrl)] : []),
    ]),
  ),
];

const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');

describe('posts of several photos', () => {
  let w: PhotoWorld;
  let feed: FeedServiceImpl;
  let commentService: CommentServiceImpl;
  let alice: string;
  let bob: string;
  let carol: string;
  // Three photos told apart by their shapes.
  let images: Buffer[];

  beforeAll(async () => {
    w = await createPhotoWorld();
    feed = new FeedServiceImpl({ db: w.db, blobs: w.blobs });
    commentService = new CommentServiceImpl({ db: w.db, notifier: w.notifier });
    images = await Promise.all([
      jpegBytes(800, 600, '#c04020'),
      jpegBytes(600, 900, '#2040c0'),
      jpegBytes(500, 500, '#20c040'),
    ]);
  });
  afterAll(() => w.close());
  beforeEach(async () => {
    await w.t.reset();
    await rm(join(w.dir, 'objects'), { recursive: true, force: true });
    alice = await makeUser(w.db, 'alice');
    bob = await makeUser(w.db, 'bob');
    carol = await makeUser(w.db, 'carol');
  });

  const rowsOf = async (table: PgTable) => (await w.db.select({ n: count() }).from(table))[0]!.n;

  /** Upload targets filled with the given bytes, as a client does before creating the post. */
  async function uploadAll(userId: string, files: Buffer[]): Promise<string[]> {
    const ids: string[] = [];
    for (const bytes of files) {
      const target = await w.photos.createUpload(userId, { contentType: 'image/jpeg', size: bytes.length });
      await w.blobs.put(await uploadKey(w, target.uploadId), bytes, 'image/jpeg');
      ids.push(target.uploadId);
    }
    return ids;
  }

  async function createPost(
    userId: string,
    files: Buffer[] = images,
    opts: { caption?: string; alts?: string[]; service?: PhotoServiceImpl } = {},
  ): Promise<Photo> {
    const ids = await uploadAll(userId, files);
    return (opts.service ?? w.photos).createPhoto(userId, {
      media: ids.map((uploadId, i) => ({ uploadId, altText: opts.alts?.[i] ?? `alt ${i + 1}` })),
      caption: opts.caption,
    });
  }

  async function readyPost(userId: string, opts: { caption?: string; files?: Buffer[] } = {}) {
    const created = await createPost(userId, opts.files ?? images, opts);
    await w.photos.processPhoto(created.id);
    return w.photos.getPhoto(created.id, userId);
  }

  /** A store like w.blobs whose chosen method fails the first `times` calls that `when` picks. */
  function flakyStore(
    method: 'stream' | 'put',
    when: (key: string) => boolean,
    times = 1,
  ): { store: BlobStore; failed: () => number } {
    let failures = 0;
    const base = w.blobs;
    const store = Object.assign(Object.create(base) as BlobStore, {
      [method]: (key: string, ...rest: unknown[]) => {
        if (failures < times && when(key)) {
          failures++;
          return Promise.reject(new Error(`storage hiccup on ${key}`));
        }
        return (base[method] as (...args: unknown[]) => Promise<unknown>).call(base, key, ...rest);
      },
    });
    return { store, failed: () => failures };
  }

  const workerWith = (blobs: BlobStore) => new PhotoServiceImpl({ ...w, blobs, maxImagePixels: 50_000_000 });

  const sourceKeysOf = async (photoId: string) =>
    (
      await w.db
        .select({ key: photoMedia.sourceKey })
        .from(photoMedia)
        .where(eq(photoMedia.photoId, photoId))
        .orderBy(photoMedia.position)
    ).map((r) => r.key);

  it('keeps the order given, gives each item its variants and alt text, and is ready only when every item is', async () => {
    const created = await createPost(alice, images, { caption: 'three #views', alts: ['red', 'blue', ''] });
    expect(created).toMatchObject({ status: 'processing', variants: null, altText: 'red', editedAt: null });
    expect(created.media.map((m) => [m.altText, m.status])).toEqual([
      ['red', 'processing'],
      ['blue', 'processing'],
      ['', 'processing'],
    ]);
    const sources = await sourceKeysOf(created.id);
    expect(await rowsOf(uploads)).toBe(3);
    expect((await w.db.select().from(uploads)).every((u) => u.photoId === created.id)).toBe(true);

    // One item at a time: reading item 2's upload fails the first run, item 3's the second.
    const first = flakyStore('stream', (key) => key === sources[1]);
    await expect(workerWith(first.store).processPhoto(created.id)).rejects.toThrow('storage hiccup');
    let now = await w.photos.getPhoto(created.id, alice);
    expect(now.status).toBe('processing');
    expect(now.media.map((m) => m.status)).toEqual(['ready', 'processing', 'processing']);
    expect(await codeOf(w.photos.getPhoto(created.id, bob))).toBe('not_found');

    const second = flakyStore('stream', (key) => key === sources[2]);
    await expect(workerWith(second.store).processPhoto(created.id)).rejects.toThrow('storage hiccup');
    now = await w.photos.getPhoto(created.id, alice);
    expect(now.status).toBe('processing');
    expect(now.media.map((m) => m.status)).toEqual(['ready', 'ready', 'processing']);
    expect((await w.events.since(alice, '0')).map((e) => e.type)).toEqual([]);

    await w.photos.processPhoto(created.id);
    const ready = await w.photos.getPhoto(created.id, bob);
    expect(ready.status).toBe('ready');
    expect(ready.media.map((m) => [m.id, m.altText])).toEqual(created.media.map((m) => [m.id, m.altText]));
    expect(ready.media.map((m) => [m.status, m.width, m.height])).toEqual([
      ['ready', 800, 600],
      ['ready', 600, 900],
      ['ready', 500, 500],
    ]);
    // Each item has variants of its own, under the post's folder.
    const keys = ready.media.map(itemKeys);
    expect(keys.every((k) => k.length > 0)).toBe(true);
    expect(new Set(keys.flat()).size).toBe(keys.flat().length);
    for (const k of keys.flat()) expect(k.startsWith(`p/${created.id}/`)).toBe(true);
    expect(ready.media.map((m) => m.variants!.w640.width)).toEqual([640, 600, 500]);
    // The single-photo fields are the first item's.
    const cover = ready.media[0]!;
    expect(ready).toMatchObject({
      altText: 'red',
      width: cover.width,
      height: cover.height,
      placeholderColor: cover.placeholder,
      variants: cover.variants,
      tags: ['views'],
    });
    // Only the variants are left: every upload is gone.
    expect(await storedKeys(w.dir)).toEqual(variantKeys(ready));
    const events = await w.events.since(alice, '0');
    expect(events.map((e) => e.type)).toEqual(['photo.ready']);
    expect((events[0]!.data as { photo: Photo }).photo.media.map((m) => m.status)).toEqual([
      'ready',
      'ready',
      'ready',
    ]);
  });

  it('fails the post naming the item that is not an image, deletes every upload, and tells the owner', async () => {
    const created = await createPost(alice, [images[0]!, PDF, images[2]!]);
    await w.photos.processPhoto(created.id);
    const failed = await w.photos.getPhoto(created.id, alice);
    expect(failed.status).toBe('failed');
    expect(failed.failureReason).toBe('photo 2 of 3: not an image');
    expect(failed.media.map((m) => m.status)).toEqual(['ready', 'failed', 'processing']);
    expect(await codeOf(w.photos.getPhoto(created.id, bob))).toBe('not_found');
    // No upload is left; the first item's variants stay until the post is deleted.
    expect(await storedKeys(w.dir)).toEqual(variantKeys(failed));
    const events = await w.events.since(alice, '0');
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['photo.failed', { photoId: created.id, reason: 'photo 2 of 3: not an image' }],
    ]);
    // A retried job changes nothing.
    await w.photos.processPhoto(created.id);
    expect(await w.photos.getPhoto(created.id, alice)).toEqual(failed);

    await w.photos.deletePhoto(alice, created.id);
    expect(await storedKeys(w.dir)).toEqual([]);
    expect(await rowsOf(photoMedia)).toBe(0);
  });

  it('finishes a job retried after a crash without redoing ready items or leaking objects', async () => {
    const created = await createPost(alice);
    const sources = await sourceKeysOf(created.id);
    // The store fails once while writing the second item's variants, after one of them is written.
    let item2Puts = 0;
    let reading2 = false;
    const crash = flakyStore('put', (key) => {
      if (!key.startsWith(`p/${created.id}/`) || !reading2) return false;
      return ++item2Puts === 2;
    });
    const failingStream = Object.assign(Object.create(crash.store) as BlobStore, {
      stream: (key: string) => {
        reading2 = key === sources[1];
        return w.blobs.stream(key);
      },
    });
    await expect(workerWith(failingStream).processPhoto(created.id)).rejects.toThrow('storage hiccup');
    expect(crash.failed()).toBe(1);
    const midway = await w.photos.getPhoto(created.id, alice);
    expect(midway.media.map((m) => m.status)).toEqual(['ready', 'processing', 'processing']);
    const item1 = midway.media[0]!;

    await w.photos.processPhoto(created.id);
    const ready = await w.photos.getPhoto(created.id, alice);
    expect(ready.status).toBe('ready');
    // Item 1 was not processed again: its row is as it was.
    expect(ready.media[0]).toEqual(item1);
    // Nothing but the three items' variants is stored: no upload, no half-written item left over.
    expect(await storedKeys(w.dir)).toEqual(variantKeys(ready));
    // Processing twice changes nothing.
    await w.photos.processPhoto(created.id);
    expect(await storedKeys(w.dir)).toEqual(variantKeys(ready));
    expect((await w.events.since(alice, '0')).map((e) => e.type)).toEqual(['photo.ready']);
  });

  it('refuses another user’s upload among the items and creates nothing', async () => {
    const mine = await uploadAll(alice, [images[0]!, images[1]!]);
    const [theirs] = await uploadAll(bob, [images[2]!]);
    const code = await codeOf(
      w.photos.createPhoto(alice, {
        media: [{ uploadId: mine[0]! }, { uploadId: theirs! }, { uploadId: mine[1]! }],
      }),
    );
    expect(code).toBe('not_found');
    expect(await rowsOf(photos)).toBe(0);
    expect(await rowsOf(photoMedia)).toBe(0);
    expect((await w.db.select().from(uploads)).map((u) => u.photoId)).toEqual([null, null, null]);
    // Used once, an upload cannot be in a second post; the other items are not taken either.
    const post = await w.photos.createPhoto(alice, { media: [{ uploadId: mine[0]! }] });
    expect(
      await codeOf(w.photos.createPhoto(alice, { media: [{ uploadId: mine[1]! }, { uploadId: mine[0]! }] })),
    ).toBe('conflict');
    expect((await w.db.select().from(photos)).map((p) => p.id)).toEqual([post.id]);
    const [second] = await w.db.select().from(uploads).where(eq(uploads.id, mine[1]!));
    expect(second!.photoId).toBeNull();
  });

  it('keeps the single-photo body working: a post of one item', async () => {
    const [uploadId] = await uploadAll(alice, [images[1]!]);
    const created = await w.photos.createPhoto(alice, {
      uploadId: uploadId!,
      altText: ' blue ',
      caption: 'one',
    });
    await w.photos.processPhoto(created.id);
    const ready = await w.photos.getPhoto(created.id, alice);
    expect(ready).toMatchObject({
      status: 'ready',
      altText: 'blue',
      width: 600,
      height: 900,
      caption: 'one',
    });
    expect(ready.media).toHaveLength(1);
    expect(ready.media[0]).toMatchObject({ altText: 'blue', variants: ready.variants });
  });

  describe('editing', () => {
    it('reorders, changes alt texts and the caption; tags follow the caption; editedAt is set', async () => {
      const post = await readyPost(alice, { caption: 'old #before' });
      const [a, b, c] = post.media.map((m) => m.id);
      const edited = await w.photos.editPhoto(alice, post.id, {
        caption: ' new #after ',
        media: [{ id: c!, altText: 'green' }, { id: a!, altText: ' red ' }, { id: b! }],
      });
      expect(edited.caption).toBe('new #after');
      expect(edited.tags).toEqual(['after']);
      expect(edited.media.map((m) => [m.id, m.altText])).toEqual([
        [c, 'green'],
        [a, 'red'],
        [b, 'alt 2'],
      ]);
      expect(edited.altText).toBe('green');
      expect(edited.variants).toEqual(edited.media[0]!.variants);
      expect(edited.editedAt).not.toBeNull();
      expect(await w.photos.getPhoto(post.id, bob)).toEqual({ ...edited, likedByMe: false });
      expect((await feed.tag('after', bob, { limit: 10 })).items.map((p) => p.id)).toEqual([post.id]);
      expect((await feed.tag('before', bob, { limit: 10 })).items).toEqual([]);
      expect((await w.db.select().from(photoTags)).map((t) => t.tag)).toEqual(['after']);
    });

    it('leaves editedAt null for an edit that changes nothing', async () => {
      const post = await readyPost(alice, { caption: 'same' });
      const same = await w.photos.editPhoto(alice, post.id, {
        caption: 'same ',
        media: post.media.map((m) => ({ id: m.id, altText: m.altText })),
      });
      expect(same).toEqual(post);
      expect(same.editedAt).toBeNull();
    });

    it('refuses media that does not name each item exactly once, changing nothing', async () => {
      const post = await readyPost(alice, { caption: 'keep' });
      const other = await readyPost(alice, { files: [images[0]!] });
      const [a, b, c] = post.media.map((m) => m.id);
      const bad = [
        [{ id: a! }, { id: b! }],
        [{ id: a! }, { id: b! }, { id: other.media[0]!.id }],
        [{ id: a! }, { id: b! }, { id: c! }, { id: other.media[0]!.id }],
        [{ id: a! }, { id: b! }, { id: '999999' }],
      ];
      for (const media of bad) {
        expect(await codeOf(w.photos.editPhoto(alice, post.id, { caption: 'changed', media }))).toBe(
          'validation_failed',
        );
      }
      expect(await w.photos.getPhoto(post.id, alice)).toEqual(post);
      expect(await w.photos.getPhoto(other.id, alice)).toEqual(other);
    });

    it('lets only the owner edit: others get forbidden on a ready post, not found on one processing', async () => {
      const post = await readyPost(alice, { caption: 'mine' });
      const pending = await createPost(alice, [images[0]!]);
      expect(await codeOf(w.photos.editPhoto(bob, post.id, { caption: 'theirs' }))).toBe('forbidden');
      expect(await codeOf(w.photos.editPhoto(bob, pending.id, { caption: 'theirs' }))).toBe('not_found');
      expect(await codeOf(w.photos.editPhoto(alice, '424242', { caption: 'x' }))).toBe('not_found');
      expect(await w.photos.getPhoto(post.id, alice)).toEqual(post);
      // The owner may edit a post still processing.
      const edited = await w.photos.editPhoto(alice, pending.id, { caption: 'soon' });
      expect(edited).toMatchObject({ caption: 'soon', status: 'processing' });
    });
  });

  describe('mentions', () => {
    const mentionsOf = async (userId: string) =>
      (await w.db.select().from(notifications).where(eq(notifications.userId, userId))).filter(
        (n) => n.type === 'mention',
      );

    const liveNotifications = (events: UserEvent[]) => events.filter((e) => e.type === 'notification');

    it('notifies a caption’s users once the post is ready, never the author, ignoring unknown names', async () => {
      const created = await createPost(alice, [images[0]!], {
        caption: 'with @Bob and @alice and @nobody, and bob@example.com',
      });
      expect(await rowsOf(notifications)).toBe(0);
      await w.photos.processPhoto(created.id);
      const notes = await w.db.select().from(notifications);
      expect(notes.map((n) => [n.type, n.userId, n.actorId, n.photoId, n.commentId])).toEqual([
        ['mention', bob, alice, created.id, null],
      ]);
      expect(liveNotifications(await w.events.since(bob, '0'))).toHaveLength(1);
      expect(liveNotifications(await w.events.since(alice, '0'))).toHaveLength(0);
      // A retried job does not mention again.
      await w.photos.processPhoto(created.id);
      expect(await rowsOf(notifications)).toBe(1);
    });

    it('notifies a user an edit adds, live, and only once however often the caption is edited', async () => {
      const post = await readyPost(alice, { caption: 'plain', files: [images[0]!] });
      expect(await rowsOf(notifications)).toBe(0);
      const live: UserEvent[] = [];
      const stop = await w.events.subscribe(bob, (e) => live.push(e));
      await w.photos.editPhoto(alice, post.id, { caption: 'now with @bob' });
      await w.photos.editPhoto(alice, post.id, { caption: 'still with @bob' });
      await w.photos.editPhoto(alice, post.id, { caption: 'plain again' });
      await w.photos.editPhoto(alice, post.id, { caption: 'back to @bob' });
      await stop();
      expect(await mentionsOf(bob)).toHaveLength(1);
      expect(liveNotifications(live)).toHaveLength(1);
      expect(liveNotifications(live)[0]!.data).toMatchObject({
        type: 'mention',
        actor: { id: alice },
        photo: { id: post.id },
      });
      // An alt-text-only edit never mentions.
      await w.photos.editPhoto(alice, post.id, { media: [{ id: post.media[0]!.id, altText: '@carol' }] });
      expect(await mentionsOf(carol)).toHaveLength(0);
    });

    it('mentions from a processing post’s edited caption wait for the post to be ready', async () => {
      const created = await createPost(alice, [images[0]!], { caption: 'first' });
      await w.photos.editPhoto(alice, created.id, { caption: 'hey @carol' });
      expect(await rowsOf(notifications)).toBe(0);
      await w.photos.processPhoto(created.id);
      expect(await mentionsOf(carol)).toHaveLength(1);
    });

    it('notifies the users a comment mentions once per comment, and deleting it takes them back', async () => {
      const post = await readyPost(alice, { caption: 'a post' });
      const first = await commentService.create(bob, post.id, '@carol look @bob @carol @ghost @alice');
      const second = await commentService.create(bob, post.id, 'again @carol');
      const byUser = async (userId: string) =>
        (await w.db.select().from(notifications).where(eq(notifications.userId, userId))).map((n) => [
          n.type,
          n.commentId,
        ]);
      expect(await byUser(carol)).toEqual([
        ['mention', first.id],
        ['mention', second.id],
      ]);
      expect(await byUser(bob)).toEqual([]);
      // The owner named in a comment hears of it once, as the comment.
      expect(await byUser(alice)).toEqual([
        ['comment', first.id],
        ['comment', second.id],
      ]);
      expect(liveNotifications(await w.events.since(carol, '0'))).toHaveLength(2);

      await commentService.delete(bob, first.id);
      expect(await byUser(carol)).toEqual([['mention', second.id]]);
      expect(await byUser(alice)).toEqual([['comment', second.id]]);
    });

    it(`notifies at most ${MAX_MENTIONS} users per text`, async () => {
      const names: string[] = [];
      for (let i = 0; i < MAX_MENTIONS + 3; i++) {
        names.push(`fan${i}`);
        await makeUser(w.db, `fan${i}`);
      }
      const caption = names.map((n) => `@${n}`).join(' ');
      await readyPost(alice, { caption, files: [images[0]!] });
      expect(await rowsOf(notifications)).toBe(MAX_MENTIONS);
      const post = await readyPost(alice, { files: [images[0]!] });
      await commentService.create(bob, post.id, caption);
      // The owner's comment notification and MAX_MENTIONS mentions.
      expect(await rowsOf(notifications)).toBe(MAX_MENTIONS + 1 + MAX_MENTIONS);
    });

    it('deleting a post deletes every notification about it, mentions included', async () => {
      const post = await readyPost(alice, { caption: 'hi @bob' });
      await w.photos.like(bob, post.id);
      await commentService.create(bob, post.id, 'thanks @carol');
      const other = await readyPost(alice, { caption: 'and @carol', files: [images[0]!] });
      expect(await rowsOf(notifications)).toBe(5);
      await w.photos.deletePhoto(alice, post.id);
      const left = await w.db.select().from(notifications);
      expect(left.map((n) => [n.type, n.userId, n.photoId])).toEqual([['mention', carol, other.id]]);
    });
  });

  describe('saves', () => {
    it('are private to their owner, idempotent, and listed newest save first, ready posts only', async () => {
      const posts: Photo[] = [];
      for (let i = 0; i < 3; i++) posts.push(await readyPost(alice, { files: [images[i]!] }));
      const pending = await createPost(alice, [images[0]!]);

      expect(await w.photos.save(bob, posts[1]!.id)).toEqual({ saved: true });
      expect(await w.photos.save(bob, posts[1]!.id)).toEqual({ saved: true });
      expect(await w.photos.save(bob, posts[0]!.id)).toEqual({ saved: true });
      expect(await w.photos.save(bob, posts[2]!.id)).toEqual({ saved: true });
      expect(await rowsOf(saves)).toBe(3);
      expect(await codeOf(w.photos.save(bob, pending.id))).toBe('not_found');
      expect(await codeOf(w.photos.unsave(bob, pending.id))).toBe('not_found');
      expect(await codeOf(w.photos.save(bob, '777777'))).toBe('not_found');

      // Newest save first, in pages.
      const first = await w.photos.listSaved(bob, { limit: 2 });
      const second = await w.photos.listSaved(bob, { limit: 2, cursor: first.nextCursor! });
      expect([...first.items, ...second.items].map((p) => p.id)).toEqual([
        posts[2]!.id,
        posts[0]!.id,
        posts[1]!.id,
      ]);
      expect(second.nextCursor).toBeNull();
      expect(first.items.every((p) => p.savedByMe)).toBe(true);
      expect((await w.photos.getPhoto(posts[0]!.id, bob)).savedByMe).toBe(true);

      // Nobody else sees them.
      expect((await w.photos.listSaved(carol, { limit: 10 })).items).toEqual([]);
      expect((await w.photos.listSaved(alice, { limit: 10 })).items).toEqual([]);
      expect((await w.photos.getPhoto(posts[0]!.id, carol)).savedByMe).toBe(false);
      expect((await w.photos.getPhoto(posts[0]!.id, null)).savedByMe).toBe(false);
      expect((await feed.explore(carol, { limit: 10 })).items.some((p) => p.savedByMe)).toBe(false);
      expect((await feed.explore(bob, { limit: 10 })).items.filter((p) => p.savedByMe)).toHaveLength(3);

      expect(await w.photos.unsave(bob, posts[0]!.id)).toEqual({ saved: false });
      expect(await w.photos.unsave(bob, posts[0]!.id)).toEqual({ saved: false });
      expect((await w.photos.listSaved(bob, { limit: 10 })).items.map((p) => p.id)).toEqual([
        posts[2]!.id,
        posts[1]!.id,
      ]);

      // Deleting a post takes it out of everyone's saves.
      await w.photos.save(carol, posts[2]!.id);
      await w.photos.deletePhoto(alice, posts[2]!.id);
      expect((await w.photos.listSaved(bob, { limit: 10 })).items.map((p) => p.id)).toEqual([posts[1]!.id]);
      expect(await rowsOf(saves)).toBe(1);
      expect(await codeOf(w.photos.unsave(bob, posts[2]!.id))).toBe('not_found');
    });
  });

  it('deleting a post deletes every item’s objects and every row that hangs off it', async () => {
    const keep = await readyPost(bob, { files: [images[0]!] });
    const post = await readyPost(alice, { caption: '#gone with @bob' });
    await w.photos.like(bob, post.id);
    await w.photos.save(bob, post.id);
    await commentService.create(bob, post.id, 'nice @carol');
    expect(await rowsOf(notifications)).toBe(4);
    // A post stopped halfway: its first item has variants, the others still have their uploads.
    const pending = await createPost(alice);
    const sources = await sourceKeysOf(pending.id);
    const halfway = flakyStore('stream', (key) => key === sources[1]);
    await expect(workerWith(halfway.store).processPhoto(pending.id)).rejects.toThrow('storage hiccup');
    expect(await w.blobs.head(sources[2]!)).not.toBeNull();

    await w.photos.deletePhoto(alice, post.id);
    await w.photos.deletePhoto(alice, pending.id);

    expect(await storedKeys(w.dir)).toEqual(variantKeys(keep));
    const left: Record<string, number> = {};
    const tables = { photos, photoMedia, saves, photoTags, likes, comments, notifications, uploads };
    for (const [name, table] of Object.entries(tables)) left[name] = await rowsOf(table);
    // Only bob's post and its upload remain.
    expect(left).toEqual({
      photos: 1,
      photoMedia: 1,
      saves: 0,
      photoTags: 0,
      likes: 0,
      comments: 0,
      notifications: 0,
      uploads: 1,
    });
    const [owner] = await w.db.select().from(users).where(eq(users.id, alice));
    expect(owner!.photoCount).toBe(0);
  });
});
