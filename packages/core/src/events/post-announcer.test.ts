import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { UserEvent } from '@graminsta/contracts';
import { MemoryPubSub, type Db, type Json } from '@graminsta/platform';
import { blocks, follows, mutes, users } from '../db/schema.ts';
import { insertPost } from '../testing/posts.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-db.ts';
import { EventServiceImpl } from './event.service.ts';
import { MemoryPresence, type Presence } from './presence.ts';

const FOLLOWERS = 5000;
const BATCH = 500;

const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;

/** The presence a realtime process keeps, counting how often the fan-out asks it. */
class CountingPresence implements Presence {
  readonly inner = new MemoryPresence();
  asked: number[] = [];
  hold(userId: string) {
    return this.inner.hold(userId);
  }
  online(userIds: readonly string[]) {
    this.asked.push(userIds.length);
    return this.inner.online(userIds);
  }
  close() {
    return this.inner.close();
  }
}

describe('post.new: a ready post announced to its author online followers', () => {
  let t: TestDatabase;
  let db: Db;
  let author: string;
  let followerIds: string[];

  beforeAll(async () => {
    t = await createTestDatabase();
    db = t.database.db;
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await t.reset();
    [{ id: author }] = (await db
      .insert(users)
      .values({ username: 'celebrity', passwordHash: 'x' })
      .returning({ id: users.id })) as [{ id: string }];
    const made = await db.execute(sql`
      insert into users (username, password_hash)
      select 'fan' || g, 'x' from generate_series(1, ${FOLLOWERS}) g
      returning id::text as id`);
    followerIds = rowsOf<{ id: string }>(made)
      .map((r) => r.id)
      .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    await db.execute(sql`
      insert into follows (follower_id, followee_id)
      select id, ${author}::bigint from users where username like 'fan%'`);
  });

  const eventRows = async () =>
    rowsOf<{ userId: string; type: string; data: Json }>(
      await db.execute(sql`select user_id::text as "userId", type, data from user_events order by id`),
    );

  it('stores and publishes one event per online follower, in batches, and none for the others', async () => {
    const presence = new CountingPresence();
    const pubsub = new MemoryPubSub();
    const events = new EventServiceImpl({ db, pubsub, presence, announceBatch: BATCH });
    // Every third follower has a socket open; a non-follower who is online hears nothing.
    const online = followerIds.filter((_, n) => n % 3 === 0);
    for (const id of online) presence.hold(id);
    const [{ id: stranger }] = (await db
      .insert(users)
      .values({ username: 'stranger', passwordHash: 'x' })
      .returning({ id: users.id })) as [{ id: string }];
    presence.hold(stranger);
    // Online, but muted the author / blocked by or blocking the author / suspended: nothing.
    const [muter, blocker, blocked, suspended] = online.slice(0, 4) as [string, string, string, string];
    await db.insert(mutes).values({ muterId: muter, mutedId: author });
    await db.insert(blocks).values({ blockerId: blocker, blockedId: author });
    await db.insert(blocks).values({ blockerId: author, blockedId: blocked });
    await db.execute(sql`update users set suspended_at = now() where id = ${suspended}`);
    const welcome = online.slice(4);

    // What reaches a sample of online followers (subscribed here), and an offline one.
    const heard = new Map<string, UserEvent[]>();
    const offline = followerIds[1]!;
    for (const id of [welcome[0]!, welcome[welcome.length - 1]!, muter, blocked, offline, stranger]) {
      heard.set(id, []);
      await events.subscribe(id, (e) => void heard.get(id)!.push(e));
    }

    const photoId = await insertPost(db, { ownerId: author, status: 'ready' });
    // Another task counting its turns while the fan-out runs: it gets one between batches.
    let turns = 0;
    let running = true;
    const other = (async () => {
      while (running) {
        turns++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const result = await events.announcePost(photoId);
    running = false;
    await other;

    expect(result).toEqual({ followers: FOLLOWERS, sent: welcome.length });
    expect(presence.asked).toEqual(Array(FOLLOWERS / BATCH).fill(BATCH));
    expect(turns).toBeGreaterThanOrEqual(FOLLOWERS / BATCH - 1);

    const rows = await eventRows();
    expect(rows).toHaveLength(welcome.length);
    expect(new Set(rows.map((r) => r.userId))).toEqual(new Set(welcome));
    expect(rows.every((r) => r.type === 'post.new')).toBe(true);
    expect(rows[0]!.data).toEqual({ photoId, author: { id: author, username: 'celebrity' } });

    for (const id of [welcome[0]!, welcome[welcome.length - 1]!]) {
      expect(heard.get(id)).toEqual([
        {
          id: expect.any(String),
          type: 'post.new',
          data: { photoId, author: { id: author, username: 'celebrity' } },
        },
      ]);
      // The stored event and the published one are the same (a reconnecting client replays it).
      expect(await events.since(id, '0')).toEqual(heard.get(id));
    }
    for (const id of [muter, blocked, offline, stranger]) expect(heard.get(id)).toEqual([]);
  });

  it('holds back a kept post.new once the follower has muted the author', async () => {
    const presence = new MemoryPresence();
    const events = new EventServiceImpl({ db, pubsub: new MemoryPubSub(), presence });
    const fan = followerIds[0]!;
    presence.hold(fan);
    const photoId = await insertPost(db, { ownerId: author, status: 'ready' });
    expect(await events.announcePost(photoId)).toEqual({ followers: FOLLOWERS, sent: 1 });
    expect(await events.since(fan, '0')).toHaveLength(1);
    await db.insert(mutes).values({ muterId: fan, mutedId: author });
    expect(await events.since(fan, '0')).toEqual([]);
  });

  it('announces nothing for a post that is not ready, or whose author is suspended', async () => {
    const presence = new MemoryPresence();
    for (const id of followerIds) presence.hold(id);
    const events = new EventServiceImpl({ db, pubsub: new MemoryPubSub(), presence });
    const processing = await insertPost(db, { ownerId: author, status: 'processing' });
    expect(await events.announcePost(processing)).toEqual({ followers: 0, sent: 0 });
    const ready = await insertPost(db, { ownerId: author, status: 'ready' });
    await db.execute(sql`update users set suspended_at = now() where id = ${author}`);
    expect(await events.announcePost(ready)).toEqual({ followers: 0, sent: 0 });
    expect(await eventRows()).toEqual([]);
  });

  it('at stages 2–5 (no presence) every follower gets it, a muting one excepted', async () => {
    const events = new EventServiceImpl({ db, pubsub: new MemoryPubSub(), announceBatch: 1000 });
    await db.insert(mutes).values({ muterId: followerIds[7]!, mutedId: author });
    await db.delete(follows).where(sql`${follows.followerId} = ${followerIds[8]!}`);
    const photoId = await insertPost(db, { ownerId: author, status: 'ready' });
    expect(await events.announcePost(photoId)).toEqual({ followers: FOLLOWERS - 1, sent: FOLLOWERS - 2 });
    expect(await eventRows()).toHaveLength(FOLLOWERS - 2);
  });
});
