import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { count } from 'drizzle-orm';
import type { UserEvent } from '@graminsta/contracts';
import { MemoryPubSub } from '@graminsta/platform/pubsub/memory.pubsub';
import { comments, notifications, users } from '../db/schema.ts';
import { EventServiceImpl } from '../events/event.service.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-db.ts';
import { insertPost } from '../testing/posts.ts';
import { UserServiceImpl } from '../users/user.service.ts';
import { NotificationServiceImpl, NotifierImpl } from './notification.service.ts';

const blobs = { publicUrl: (key: string) => `https://cdn.test/${key}` };

describe('notifications', () => {
  let t: TestDatabase;
  let events: EventServiceImpl;
  let notifier: NotifierImpl;
  let service: NotificationServiceImpl;
  let userService: UserServiceImpl;
  let ann: typeof users.$inferSelect;
  let ben: typeof users.$inferSelect;

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await t.reset();
    const db = t.database.db;
    events = new EventServiceImpl({ db, pubsub: new MemoryPubSub() });
    notifier = new NotifierImpl({ db, blobs, events });
    service = new NotificationServiceImpl({ db, blobs });
    userService = new UserServiceImpl({ db, notifier });
    [ann, ben] = (await db
      .insert(users)
      .values([
        { username: 'ann', passwordHash: 'x', avatarUrl: 'https://cdn.test/ann.webp' },
        { username: 'ben', passwordHash: 'x', displayName: 'Ben' },
      ])
      .returning()) as [typeof ann, typeof ben];
  });

  it('notifies the followed user, live and in the list, and not the follower', async () => {
    const live: UserEvent[] = [];
    await events.subscribe(ann.id, (e) => live.push(e));
    await userService.follow(ben.id, 'ann');

    const list = await service.list(ann.id, { limit: 20 });
    expect(list.unreadCount).toBe(1);
    expect(list.items).toEqual([
      {
        id: expect.any(String),
        type: 'follow',
        actor: { id: ben.id, username: 'ben', displayName: 'Ben', avatarUrl: null },
        photo: null,
        comment: null,
        report: null,
        export: null,
        read: false,
        createdAt: expect.any(String),
      },
    ]);
    expect(live).toEqual([{ id: expect.any(String), type: 'notification', data: list.items[0] }]);
    expect(await events.since(ann.id, '0')).toEqual(live);
    expect(await service.list(ben.id, { limit: 20 })).toEqual({
      items: [],
      nextCursor: null,
      unreadCount: 0,
    });

    // Following again does not notify again; unfollowing takes the notification back.
    await userService.follow(ben.id, 'ann');
    expect((await service.list(ann.id, { limit: 20 })).items).toHaveLength(1);
    await userService.unfollow(ben.id, 'ann');
    expect(await service.list(ann.id, { limit: 20 })).toMatchObject({ items: [], unreadCount: 0 });
  });

  it('records nothing for your own actions', async () => {
    const db = t.database.db;
    const id = await db.transaction((tx) =>
      notifier.record(tx, { recipientId: ann.id, actorId: ann.id, type: 'like' }),
    );
    expect(id).toBeNull();
    const [row] = await db.select({ n: count() }).from(notifications);
    expect(row!.n).toBe(0);
  });

  it('shows the photo thumbnail and comment, pages newest first, and marks read', async () => {
    const db = t.database.db;
    const ready = {
      id: await insertPost(db, {
        ownerId: ann.id,
        status: 'ready',
        variants: { thumb: { key: 't/1.webp', width: 1, height: 1 } },
      }),
    };
    const processing = { id: await insertPost(db, { ownerId: ann.id }) };
    const [comment] = await db
      .insert(comments)
      .values({ photoId: ready!.id, photoOwnerId: ann.id, authorId: ben.id, body: 'lovely' })
      .returning({ id: comments.id });
    const record = (input: Omit<Parameters<NotifierImpl['record']>[1], 'recipientId' | 'actorId'>) =>
      db.transaction((tx) => notifier.record(tx, { recipientId: ann.id, actorId: ben.id, ...input }));
    const likeId = await record({ type: 'like', photoId: ready!.id });
    const commentId = await record({ type: 'comment', photoId: ready!.id, commentId: comment!.id });
    const pendingLikeId = await record({ type: 'like', photoId: processing!.id });

    const first = await service.list(ann.id, { limit: 2 });
    expect(first.unreadCount).toBe(3);
    expect(first.items.map((n) => n.id)).toEqual([pendingLikeId, commentId]);
    expect(first.items[0]!.photo).toEqual({ id: processing!.id, thumbUrl: null });
    expect(first.items[1]).toMatchObject({
      type: 'comment',
      photo: { id: ready!.id, thumbUrl: 'https://cdn.test/t/1.webp' },
      comment: { id: comment!.id, body: 'lovely' },
    });
    const second = await service.list(ann.id, { limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((n) => n.id)).toEqual([likeId]);
    expect(second.nextCursor).toBeNull();

    expect(await service.markRead(ann.id, commentId!)).toEqual({ unreadCount: 1 });
    const afterPartial = await service.list(ann.id, { limit: 10 });
    expect(afterPartial.items.map((n) => n.read)).toEqual([false, true, true]);
    expect(await service.markRead(ann.id)).toEqual({ unreadCount: 0 });
    expect((await service.list(ann.id, { limit: 10 })).items.every((n) => n.read)).toBe(true);
    await expect(service.markRead(ann.id, 'x')).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('retracts matching notifications only, and announces nothing once retracted', async () => {
    const db = t.database.db;
    const live: UserEvent[] = [];
    await events.subscribe(ann.id, (e) => live.push(e));
    const like = { recipientId: ann.id, actorId: ben.id, type: 'like' as const };
    const id1 = await db.transaction((tx) => notifier.record(tx, { ...like, photoId: '1' }));
    const id2 = await db.transaction((tx) => notifier.record(tx, { ...like, photoId: '2' }));
    await db.transaction((tx) => notifier.retract(tx, { ...like, photoId: '1' }));
    await notifier.announce(id1!);
    await notifier.announce(id2!);
    expect((await service.list(ann.id, { limit: 10 })).items.map((n) => n.id)).toEqual([id2]);
    expect(live.map((e) => (e.data as { id: string }).id)).toEqual([id2]);
  });
});
