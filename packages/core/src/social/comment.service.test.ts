import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Photo } from '@graminsta/contracts';
import { comments, notifications } from '../db/schema.ts';
import {
  createPhotoWorld,
  makeUser,
  postPhoto,
  uploadAndCreate,
  jpegBytes,
  type PhotoWorld,
} from '../photos/photo.fixtures.ts';
import { CommentServiceImpl } from './comment.service.ts';

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (err: { code?: string }) => err.code ?? String(err),
  );

describe('CommentService', () => {
  let w: PhotoWorld;
  let svc: CommentServiceImpl;
  let alice: string;
  let bob: string;
  let carol: string;
  let photo: Photo;

  beforeAll(async () => {
    w = await createPhotoWorld();
    svc = new CommentServiceImpl({ db: w.db, notifier: w.notifier });
  });
  afterAll(() => w.close());
  beforeEach(async () => {
    await w.t.reset();
    alice = await makeUser(w.db, 'alice');
    bob = await makeUser(w.db, 'bob');
    carol = await makeUser(w.db, 'carol');
    photo = await postPhoto(w, alice);
  });

  const commentCount = async () => (await w.photos.getPhoto(photo.id, null)).commentCount;
  const rowsOf = async (table: typeof comments | typeof notifications) =>
    (await w.db.select({ n: count() }).from(table))[0]!.n;

  it('adds a trimmed comment, counts it and notifies the photo owner', async () => {
    const comment = await svc.create(bob, photo.id, '  lovely light  ');
    expect(comment).toMatchObject({
      photoId: photo.id,
      body: 'lovely light',
      author: { id: bob, username: 'bob', displayName: 'BOB', avatarUrl: null },
    });
    expect(await commentCount()).toBe(1);
    const [note] = await w.db.select().from(notifications);
    expect(note).toMatchObject({
      type: 'comment',
      userId: alice,
      actorId: bob,
      photoId: photo.id,
      commentId: comment.id,
    });
    const live = await w.events.since(alice, '0');
    expect(live.filter((e) => e.type === 'notification')).toHaveLength(1);

    // The owner's own comment counts but notifies nobody.
    await svc.create(alice, photo.id, 'thanks!');
    expect(await commentCount()).toBe(2);
    expect(await rowsOf(notifications)).toBe(1);
  });

  it('refuses empty, too long, or homeless comments and changes nothing', async () => {
    expect(await codeOf(svc.create(bob, photo.id, '   \n '))).toBe('validation_failed');
    expect(await codeOf(svc.create(bob, photo.id, 'x'.repeat(1001)))).toBe('validation_failed');
    expect(await codeOf(svc.create(bob, '12345', 'hello'))).toBe('not_found');
    const pending = await uploadAndCreate(w, alice, await jpegBytes());
    expect(await codeOf(svc.create(bob, pending.id, 'first!'))).toBe('not_found');
    expect(await rowsOf(comments)).toBe(0);
    expect(await rowsOf(notifications)).toBe(0);
    expect(await commentCount()).toBe(0);
    await expect(svc.create(bob, photo.id, 'x'.repeat(1000))).resolves.toMatchObject({ photoId: photo.id });
  });

  it('lists oldest first in pages without gaps or repeats', async () => {
    const bodies = Array.from({ length: 7 }, (_, i) => `comment ${i}`);
    for (const [i, body] of bodies.entries()) await svc.create(i % 2 ? bob : carol, photo.id, body);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await svc.list(photo.id, null, { limit: 3, cursor });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((c) => c.body));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(bodies);
    expect((await svc.list(photo.id, carol, { limit: 20 })).items[1]!.author.username).toBe('bob');
  });

  it('lists the comments of a photo only to whoever may see the photo', async () => {
    const pending = await uploadAndCreate(w, alice, await jpegBytes());
    expect(await svc.list(pending.id, alice, { limit: 20 })).toEqual({ items: [], nextCursor: null });
    expect(await codeOf(svc.list(pending.id, bob, { limit: 20 }))).toBe('not_found');
    expect(await codeOf(svc.list(pending.id, null, { limit: 20 }))).toBe('not_found');
    expect(await codeOf(svc.list('123456789', alice, { limit: 20 }))).toBe('not_found');
  });

  it('lets the author or the photo owner delete a comment, retracting its notification', async () => {
    const byBob = await svc.create(bob, photo.id, 'one');
    const byCarol = await svc.create(carol, photo.id, 'two');
    expect(await rowsOf(notifications)).toBe(2);

    expect(await codeOf(svc.delete(carol, byBob.id))).toBe('forbidden');
    expect(await commentCount()).toBe(2);
    expect(await rowsOf(notifications)).toBe(2);

    await svc.delete(bob, byBob.id);
    await svc.delete(alice, byCarol.id);
    expect(await commentCount()).toBe(0);
    expect(await rowsOf(comments)).toBe(0);
    expect(await rowsOf(notifications)).toBe(0);
    expect(await codeOf(svc.delete(bob, byBob.id))).toBe('not_found');
    expect(await codeOf(svc.delete(bob, '123456789'))).toBe('not_found');
  });

  it('keeps comment_count exact under concurrent comments and deletes', async () => {
    const first = await Promise.all(Array.from({ length: 10 }, (_, i) => svc.create(bob, photo.id, `c${i}`)));
    const outcomes = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => codeOf(svc.create(carol, photo.id, `d${i}`))),
      ...first.slice(0, 6).map((c) => codeOf(svc.delete(bob, c.id))),
      // The photo owner deletes three of the same comments at the same time: each goes once.
      ...first.slice(0, 3).map((c) => codeOf(svc.delete(alice, c.id))),
    ]);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(10 + 6);
    expect(outcomes.filter((o) => o === 'not_found')).toHaveLength(3);
    const [rows] = await w.db.select({ n: count() }).from(comments).where(eq(comments.photoId, photo.id));
    expect(rows!.n).toBe(14);
    expect(await commentCount()).toBe(14);
    expect(await rowsOf(notifications)).toBe(14);
  });

  it('goes away with its photo', async () => {
    await svc.create(bob, photo.id, 'bye');
    await w.photos.deletePhoto(alice, photo.id);
    expect(await rowsOf(comments)).toBe(0);
    expect(await rowsOf(notifications)).toBe(0);
  });
});
