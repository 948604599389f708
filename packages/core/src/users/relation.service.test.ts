import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { and, count, eq } from 'drizzle-orm';
import type { UserEvent } from '@graminsta/contracts';
import { MemoryPubSub } from '@graminsta/platform/pubsub/memory.pubsub';
import { AccountServiceImpl } from '../accounts/account.service.ts';
import { blocks, followRequests, follows, mutes, notifications, users } from '../db/schema.ts';
import { EventServiceImpl } from '../events/event.service.ts';
import { NotifierImpl } from '../notifications/notification.service.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-db.ts';
import { RelationshipRepository } from './relationship.repository.ts';
import { RelationServiceImpl } from './relation.service.ts';
import { UserServiceImpl } from './user.service.ts';

const blobs = { publicUrl: (key: string) => `https://cdn.test/${key}` };
type User = typeof users.$inferSelect;

describe('follow requests, blocks and mutes', () => {
  let t: TestDatabase;
  let events: EventServiceImpl;
  let usersSvc: UserServiceImpl;
  let relations: RelationServiceImpl;
  let accounts: AccountServiceImpl;

  const addUsers = async (...specs: { username: string; private?: boolean }[]) =>
    t.database.db
      .insert(users)
      .values(specs.map((s) => ({ passwordHash: 'x', ...s })))
      .returning();
  const counts = async (id: string) => {
    const db = t.database.db;
    const [row] = await db.select().from(users).where(eq(users.id, id));
    const [followers] = await db.select({ n: count() }).from(follows).where(eq(follows.followeeId, id));
    const [following] = await db.select({ n: count() }).from(follows).where(eq(follows.followerId, id));
    return {
      followerCount: row!.followerCount,
      followingCount: row!.followingCount,
      followerRows: followers!.n,
      followingRows: following!.n,
    };
  };
  const notificationsOf = async (userId: string) =>
    (
      await t.database.db
        .select({ type: notifications.type, actorId: notifications.actorId })
        .from(notifications)
        .where(eq(notifications.userId, userId))
    ).map((n) => `${n.type}:${n.actorId}`);
  const pendingRequests = async () => (await t.database.db.select({ n: count() }).from(followRequests))[0]!.n;

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await t.reset();
    const db = t.database.db;
    events = new EventServiceImpl({ db, pubsub: new MemoryPubSub() });
    const notifier = new NotifierImpl({ db, blobs, events });
    usersSvc = new UserServiceImpl({ db, notifier });
    relations = new RelationServiceImpl({ db, notifier });
    accounts = new AccountServiceImpl({ db, blobs, notifier });
  });

  it('asks a private account, idempotently, and tells its owner once', async () => {
    const [owner, fan] = (await addUsers({ username: 'owner', private: true }, { username: 'fan' })) as [
      User,
      User,
    ];
    const requested = { following: false, state: 'requested', followerCount: 0 };
    expect(await usersSvc.follow(fan.id, 'owner')).toEqual(requested);
    expect(await usersSvc.follow(fan.id, 'OWNER')).toEqual(requested);
    expect(await counts(owner.id)).toMatchObject({ followerCount: 0, followerRows: 0 });
    expect(await notificationsOf(owner.id)).toEqual([`follow_request:${fan.id}`]);
    const repo = new RelationshipRepository(t.database.db);
    expect(await repo.relationOf(fan.id, owner.id)).toEqual({
      followedByMe: false,
      requestedByMe: true,
      blockedByMe: false,
      mutedByMe: false,
    });
    expect(await relations.listFollowRequests(owner.id, { limit: 20 })).toEqual({
      items: [{ id: fan.id, username: 'fan', displayName: '', avatarUrl: null }],
      nextCursor: null,
    });

    // Withdrawing takes back the request and the owner's notice of it.
    expect(await usersSvc.unfollow(fan.id, 'owner')).toEqual({
      following: false,
      state: 'none',
      followerCount: 0,
    });
    expect(await pendingRequests()).toBe(0);
    expect(await notificationsOf(owner.id)).toEqual([]);
    await expect(relations.acceptFollowRequest(owner.id, 'fan')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('accepts: a follow with both counters, a live follow_accept to the requester', async () => {
    const [owner, fan] = (await addUsers({ username: 'owner', private: true }, { username: 'fan' })) as [
      User,
      User,
    ];
    await usersSvc.follow(fan.id, 'owner');
    const live: UserEvent[] = [];
    await events.subscribe(fan.id, (e) => live.push(e));

    expect(await relations.acceptFollowRequest(owner.id, 'fan')).toEqual({ accepted: true });
    expect(await counts(owner.id)).toEqual({
      followerCount: 1,
      followingCount: 0,
      followerRows: 1,
      followingRows: 0,
    });
    expect(await counts(fan.id)).toEqual({
      followerCount: 0,
      followingCount: 1,
      followerRows: 0,
      followingRows: 1,
    });
    expect(await notificationsOf(fan.id)).toEqual([`follow_accept:${owner.id}`]);
    expect(await notificationsOf(owner.id)).toEqual([]);
    expect(live).toEqual([
      expect.objectContaining({
        type: 'notification',
        data: expect.objectContaining({ type: 'follow_accept' }),
      }),
    ]);
    expect(await pendingRequests()).toBe(0);
    // Now a follower: following again answers "following" and changes nothing.
    expect(await usersSvc.follow(fan.id, 'owner')).toEqual({
      following: true,
      state: 'following',
      followerCount: 1,
    });
    await expect(relations.acceptFollowRequest(owner.id, 'fan')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('declines quietly, and 404s a request that is not there', async () => {
    const [owner, fan] = (await addUsers({ username: 'owner', private: true }, { username: 'fan' })) as [
      User,
      User,
    ];
    await usersSvc.follow(fan.id, 'owner');
    expect(await relations.declineFollowRequest(owner.id, 'fan')).toEqual({ accepted: false });
    expect(await pendingRequests()).toBe(0);
    expect(await counts(owner.id)).toMatchObject({ followerCount: 0, followerRows: 0 });
    expect(await notificationsOf(fan.id)).toEqual([]);
    expect(await notificationsOf(owner.id)).toEqual([]);
    await expect(relations.declineFollowRequest(owner.id, 'fan')).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(relations.declineFollowRequest(owner.id, 'ghost')).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('pages requests newest first', async () => {
    const [, ...fans] = await addUsers(
      { username: 'owner', private: true },
      { username: 'f0' },
      { username: 'f1' },
      { username: 'f2' },
    );
    for (const i of [1, 2, 0]) await usersSvc.follow(fans[i]!.id, 'owner');
    const [owner] = await t.database.db.select().from(users).where(eq(users.username, 'owner'));
    const first = await relations.listFollowRequests(owner!.id, { limit: 2 });
    expect(first.items.map((u) => u.username)).toEqual(['f0', 'f2']);
    const second = await relations.listFollowRequests(owner!.id, { limit: 2, cursor: first.nextCursor! });
    expect(second).toEqual({ items: [expect.objectContaining({ username: 'f1' })], nextCursor: null });
    await expect(
      relations.listFollowRequests(owner!.id, { limit: 2, cursor: 'bogus' }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it('going public accepts every pending request in the same write, with notices', async () => {
    const [owner, a, b] = (await addUsers(
      { username: 'owner', private: true },
      { username: 'a' },
      { username: 'b' },
    )) as [User, User, User];
    await usersSvc.follow(a.id, 'owner');
    await usersSvc.follow(b.id, 'owner');
    // Staying private changes nothing.
    expect((await accounts.updateMe(owner.id, { private: true })).private).toBe(true);
    expect(await pendingRequests()).toBe(2);

    const me = await accounts.updateMe(owner.id, { private: false });
    expect(me).toMatchObject({ private: false, followerCount: 2 });
    expect(await pendingRequests()).toBe(0);
    expect(await counts(owner.id)).toMatchObject({ followerCount: 2, followerRows: 2 });
    for (const u of [a, b]) {
      expect(await counts(u.id)).toMatchObject({ followingCount: 1, followingRows: 1 });
      expect(await notificationsOf(u.id)).toEqual([`follow_accept:${owner.id}`]);
    }
    // Public now: a new follower follows at once.
    const [c] = await addUsers({ username: 'c' });
    expect(await usersSvc.follow(c!.id, 'owner')).toEqual({
      following: true,
      state: 'following',
      followerCount: 3,
    });
  });

  it('a block ends follows and requests both ways, with counters right, and refuses follows', async () => {
    const [ann, ben, cat] = (await addUsers(
      { username: 'ann', private: true },
      { username: 'ben', private: true },
      { username: 'cat' },
    )) as [User, User, User];
    await usersSvc.follow(cat.id, 'ann'); // a request, then accepted
    await relations.acceptFollowRequest(ann.id, 'cat');
    await usersSvc.follow(ben.id, 'ann');
    await relations.acceptFollowRequest(ann.id, 'ben');
    await usersSvc.follow(ann.id, 'ben'); // pending request ann → ben
    await usersSvc.follow(cat.id, 'ben'); // another pending request, untouched by the block

    expect(await relations.block(ann.id, 'ben')).toEqual({ blocked: true });
    expect(await relations.block(ann.id, 'BEN')).toEqual({ blocked: true });
    expect(await counts(ann.id)).toEqual({
      followerCount: 1,
      followingCount: 0,
      followerRows: 1,
      followingRows: 0,
    });
    expect(await counts(ben.id)).toEqual({
      followerCount: 0,
      followingCount: 0,
      followerRows: 0,
      followingRows: 0,
    });
    expect(await pendingRequests()).toBe(1);
    expect(await notificationsOf(ben.id)).toEqual([`follow_request:${cat.id}`]);
    expect(await notificationsOf(ann.id)).not.toContain(`follow:${ben.id}`);

    // The blocked one cannot follow (404: the blocker is hidden from them); the blocker gets a 409.
    await expect(usersSvc.follow(ben.id, 'ann')).rejects.toMatchObject({ code: 'not_found' });
    await expect(usersSvc.follow(ann.id, 'ben')).rejects.toMatchObject({ code: 'conflict' });
    await expect(relations.mute(ben.id, 'ann')).rejects.toMatchObject({ code: 'not_found' });
    expect(await pendingRequests()).toBe(1);
    const repo = new RelationshipRepository(t.database.db);
    expect((await repo.relationOf(ann.id, ben.id)).blockedByMe).toBe(true);
    expect((await repo.relationOf(ben.id, ann.id)).blockedByMe).toBe(false);

    expect(await relations.unblock(ann.id, 'ben')).toEqual({ blocked: false });
    expect(await relations.unblock(ann.id, 'ben')).toEqual({ blocked: false });
    expect((await t.database.db.select({ n: count() }).from(blocks))[0]!.n).toBe(0);
    // Unblocking restores nothing by itself, but following works again.
    expect(await usersSvc.follow(ann.id, 'ben')).toMatchObject({ state: 'requested' });
  });

  it('mutes and unmutes idempotently, changing no follow', async () => {
    const [ann, ben] = (await addUsers({ username: 'ann' }, { username: 'ben' })) as [User, User];
    await usersSvc.follow(ann.id, 'ben');
    expect(await relations.mute(ann.id, 'ben')).toEqual({ muted: true });
    expect(await relations.mute(ann.id, 'ben')).toEqual({ muted: true });
    const muteRows = () =>
      t.database.db
        .select({ n: count() })
        .from(mutes)
        .where(and(eq(mutes.muterId, ann.id), eq(mutes.mutedId, ben.id)));
    expect((await muteRows())[0]!.n).toBe(1);
    expect((await new RelationshipRepository(t.database.db).relationOf(ann.id, ben.id)).mutedByMe).toBe(true);
    expect(await counts(ben.id)).toMatchObject({ followerCount: 1, followerRows: 1 });
    expect(await relations.unmute(ann.id, 'ben')).toEqual({ muted: false });
    expect(await relations.unmute(ann.id, 'ben')).toEqual({ muted: false });
    expect((await muteRows())[0]!.n).toBe(0);
  });

  it('refuses blocking or muting yourself and unknown accounts, changing nothing', async () => {
    const [ann] = (await addUsers({ username: 'ann' })) as [User];
    for (const call of [
      () => relations.block(ann.id, 'ann'),
      () => relations.unblock(ann.id, 'ANN'),
      () => relations.mute(ann.id, 'ann'),
      () => relations.unmute(ann.id, 'ann'),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'bad_request' });
    }
    await expect(relations.block(ann.id, 'ghost')).rejects.toMatchObject({ code: 'not_found' });
    await expect(relations.mute(ann.id, 'ghost')).rejects.toMatchObject({ code: 'not_found' });
    const db = t.database.db;
    expect((await db.select({ n: count() }).from(blocks))[0]!.n).toBe(0);
    expect((await db.select({ n: count() }).from(mutes))[0]!.n).toBe(0);
  });

  it('keeps counters equal to rows when blocks, accepts and follows race', async () => {
    const people = (await addUsers(
      { username: 'star', private: true },
      { username: 'u0' },
      { username: 'u1' },
      { username: 'u2' },
      { username: 'u3' },
    )) as User[];
    const [star, ...fans] = people as [User, ...User[]];
    for (const f of fans) await usersSvc.follow(f.id, 'star');
    await Promise.allSettled([
      relations.acceptFollowRequest(star.id, 'u0'),
      relations.acceptFollowRequest(star.id, 'u1'),
      relations.block(star.id, 'u1'),
      accounts.updateMe(star.id, { private: false }),
      usersSvc.follow(star.id, 'u2'),
      relations.block(fans[2]!.id, 'star'),
      usersSvc.follow(fans[3]!.id, 'star'),
    ]);
    for (const p of people) {
      const c = await counts(p.id);
      expect(c.followerCount).toBe(c.followerRows);
      expect(c.followingCount).toBe(c.followingRows);
    }
  });
});
