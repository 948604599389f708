import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { MemoryPubSub } from '@graminsta/platform/pubsub/memory.pubsub';
import { follows, notifications, users } from '../db/schema.ts';
import { EventServiceImpl } from '../events/event.service.ts';
import { NotifierImpl } from '../notifications/notification.service.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-db.ts';
import { UserServiceImpl } from './user.service.ts';

const blobs = { publicUrl: (key: string) => `https://cdn.test/${key}` };

describe('UserService', () => {
  let t: TestDatabase;
  let service: UserServiceImpl;

  const addUsers = async (...names: string[]) => {
    const rows = await t.database.db
      .insert(users)
      .values(names.map((username) => ({ username, passwordHash: 'x' })))
      .returning();
    return rows;
  };
  const counters = async (id: string) => {
    const [row] = await t.database.db.select().from(users).where(eq(users.id, id));
    const [followers] = await t.database.db
      .select({ n: count() })
      .from(follows)
      .where(eq(follows.followeeId, id));
    const [following] = await t.database.db
      .select({ n: count() })
      .from(follows)
      .where(eq(follows.followerId, id));
    return {
      followerCount: row!.followerCount,
      followingCount: row!.followingCount,
      followerRows: followers!.n,
      followingRows: following!.n,
    };
  };

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await t.reset();
    const db = t.database.db;
    const events = new EventServiceImpl({ db, pubsub: new MemoryPubSub() });
    service = new UserServiceImpl({ db, notifier: new NotifierImpl({ db, blobs, events }) });
  });

  it('shows a profile by username in any case, with counts and whether the viewer follows', async () => {
    const [ann, ben] = await addUsers('Ann', 'ben');
    await service.follow(ben!.id, 'ann');
    expect(await service.getProfile('ANN', ben!.id)).toMatchObject({
      id: ann!.id,
      username: 'Ann',
      followerCount: 1,
      followingCount: 0,
      photoCount: 0,
      followedByMe: true,
    });
    expect((await service.getProfile('ann', null)).followedByMe).toBe(false);
    expect((await service.getProfile('ben', ann!.id)).followingCount).toBe(1);
    await expect(service.getProfile('nobody', null)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('follows and unfollows idempotently with exact counters', async () => {
    const [ann, ben] = await addUsers('ann', 'ben');
    expect(await service.follow(ben!.id, 'ann')).toEqual({
      following: true,
      state: 'following',
      followerCount: 1,
    });
    expect(await service.follow(ben!.id, 'ann')).toEqual({
      following: true,
      state: 'following',
      followerCount: 1,
    });
    expect(await counters(ben!.id)).toMatchObject({ followingCount: 1, followingRows: 1 });
    expect(await service.unfollow(ben!.id, 'ann')).toEqual({
      following: false,
      state: 'none',
      followerCount: 0,
    });
    expect(await service.unfollow(ben!.id, 'ann')).toEqual({
      following: false,
      state: 'none',
      followerCount: 0,
    });
    expect(await counters(ann!.id)).toEqual({
      followerCount: 0,
      followingCount: 0,
      followerRows: 0,
      followingRows: 0,
    });
    expect(await counters(ben!.id)).toEqual({
      followerCount: 0,
      followingCount: 0,
      followerRows: 0,
      followingRows: 0,
    });
  });

  it('keeps counters equal to the rows under 20 concurrent follows and unfollows', async () => {
    const people = await addUsers('star', 'u0', 'u1', 'u2', 'u3', 'u4', 'u5');
    const [star, ...fans] = people;
    const calls = [];
    for (let i = 0; i < 20; i++) {
      const fan = fans[i % fans.length]!;
      calls.push(i % 3 === 2 ? service.unfollow(fan.id, 'star') : service.follow(fan.id, 'star'));
    }
    // Follows in both directions at once must not deadlock.
    calls.push(service.follow(star!.id, 'u0'), service.follow(star!.id, 'u1'));
    await Promise.all(calls);
    for (const person of people) {
      const c = await counters(person.id);
      expect(c.followerCount).toBe(c.followerRows);
      expect(c.followingCount).toBe(c.followingRows);
    }
    expect((await counters(star!.id)).followingCount).toBe(2);
  });

  it('refuses following yourself and changes nothing', async () => {
    const [ann] = await addUsers('ann');
    await expect(service.follow(ann!.id, 'ANN')).rejects.toMatchObject({ code: 'bad_request' });
    expect(await counters(ann!.id)).toEqual({
      followerCount: 0,
      followingCount: 0,
      followerRows: 0,
      followingRows: 0,
    });
    const [n] = await t.database.db.select({ n: count() }).from(notifications);
    expect(n!.n).toBe(0);
    await expect(service.follow(ann!.id, 'ghost')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('pages followers and following newest follow first, without duplicates or gaps', async () => {
    const [star, ...fans] = await addUsers('star', 'f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6');
    // Follow in an order unrelated to id order, so the list is by follow time.
    const order = [3, 0, 6, 1, 5, 2, 4];
    for (const i of order) await service.follow(fans[i]!.id, 'star');

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await service.followers('star', null, { limit: 3, cursor });
      seen.push(...page.items.map((u) => u.username));
      cursor = page.nextCursor ?? undefined;
      pages++;
      // A follow arriving mid-way is newer than the cursor: it neither repeats nor shifts later pages.
      if (pages === 1) await service.follow((await addUsers('late'))[0]!.id, 'star');
    } while (cursor);
    expect(seen).toEqual([...order].reverse().map((i) => `f${i}`));
    expect(pages).toBe(3);

    for (const i of [2, 5]) await service.follow(star!.id, `f${i}`);
    const following = await service.following('star', null, { limit: 1 });
    expect(following.items.map((u) => u.username)).toEqual(['f5']);
    const rest = await service.following('star', null, { limit: 5, cursor: following.nextCursor! });
    expect(rest).toEqual({ items: [expect.objectContaining({ username: 'f2' })], nextCursor: null });
    await expect(service.followers('star', null, { limit: 3, cursor: 'bogus' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it('searches usernames by prefix in any case, treating _ and % literally, paged by username', async () => {
    await addUsers('Anna', 'annie', 'ann_x', 'annxy', 'bob', 'Ann.z');
    // Byte order of the lower-cased name ("." < "_" < letters): the order of the prefix index.
    const names = async (q: string, limit = 20) =>
      (await service.search(q, null, { limit })).items.map((u) => u.username);
    expect(await names('ANN')).toEqual(['Ann.z', 'ann_x', 'Anna', 'annie', 'annxy']);
    expect(await names('ann_')).toEqual(['ann_x']);
    expect(await names('%')).toEqual([]);
    expect(await names('a%')).toEqual([]);
    expect(await names('ann.')).toEqual(['Ann.z']);

    const first = await service.search('an', null, { limit: 2 });
    const second = await service.search('an', null, { limit: 2, cursor: first.nextCursor! });
    const third = await service.search('an', null, { limit: 2, cursor: second.nextCursor! });
    expect([...first.items, ...second.items, ...third.items].map((u) => u.username)).toEqual(
      await names('an'),
    );
    expect(third.nextCursor).toBeNull();
  });
});
