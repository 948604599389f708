import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { sql } from 'drizzle-orm';
import type { UserEvent } from '@graminsta/contracts';
import { MemoryPubSub, type Db, type Json, type PubSub } from '@graminsta/platform';
import { PostgresPubSub } from '@graminsta/platform/pubsub/postgres.pubsub';
import { RedisPubSub } from '@graminsta/platform/pubsub/redis.pubsub';
import { testRedisSettings, uniquePrefix } from '@graminsta/platform/cache/testing/redis';
import { follows, users } from '../db/schema.ts';
import { insertPost } from '../testing/posts.ts';
import { createTestDatabase, TEST_PG_ADMIN_URL, type TestDatabase } from '../testing/test-db.ts';
import { EventServiceImpl, userChannel } from './event.service.ts';
import { FANOUT_CHANNEL, fanoutMessages, frameMaker, type FanoutMessage } from './fanout.ts';
import { MemoryPresence } from './presence.ts';

const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;
const WAIT = { timeout: 10_000, interval: 20 };

/** A bus that records what is published on it (and passes it on). */
function recording(inner: PubSub): PubSub & { sent: { channel: string; message: Json }[] } {
  const sent: { channel: string; message: Json }[] = [];
  return {
    sent,
    maxMessageBytes: inner.maxMessageBytes,
    publish: (channel, message) => (sent.push({ channel, message }), inner.publish(channel, message)),
    subscribe: (channel, handler) => inner.subscribe(channel, handler),
    close: () => inner.close(),
  };
}

/** What one subscriber (one socket) got: events, and the frame text it would send for each. */
function collector() {
  const got: UserEvent[] = [];
  const frames: string[] = [];
  return {
    got,
    frames,
    on: (event: UserEvent, frame?: string) => {
      got.push(event);
      frames.push(frame ?? JSON.stringify(event));
    },
  };
}

describe('fan-out messages', () => {
  let t: TestDatabase;
  let db: Db;
  let author: string;
  let fans: string[];

  beforeAll(async () => {
    t = await createTestDatabase();
    db = t.database.db;
  });
  afterAll(() => t.close());

  const makeFans = async (n: number) => {
    [{ id: author }] = (await db
      .insert(users)
      .values({ username: 'celebrity', passwordHash: 'x' })
      .returning({ id: users.id })) as [{ id: string }];
    const made = await db.execute(sql`
      insert into users (username, password_hash)
      select 'fan' || g, 'x' from generate_series(1, ${n}) g
      returning id::text as id`);
    fans = rowsOf<{ id: string }>(made)
      .map((r) => r.id)
      .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    await db.insert(follows).values(fans.map((id) => ({ followerId: id, followeeId: author })));
  };

  beforeEach(async () => {
    await t.reset();
  });

  it('one bus message per batch; each held user gets it once, on every socket; others get nothing', async () => {
    await makeFans(30);
    const bus = recording(new MemoryPubSub());
    const presence = new MemoryPresence();
    for (const id of fans) presence.hold(id);
    const events = new EventServiceImpl({ db, pubsub: bus, presence, announceBatch: 10 });
    // This process holds fans 0 (two sockets) and 29; the other 28 are on some other process.
    const [a1, a2, last] = [collector(), collector(), collector()];
    await events.subscribe(fans[0]!, a1.on);
    await events.subscribe(fans[0]!, a2.on);
    const stopLast = await events.subscribe(fans[29]!, last.on);

    const photoId = await insertPost(db, { ownerId: author, status: 'ready' });
    expect(await events.announcePost(photoId)).toEqual({ followers: 30, sent: 30 });

    // 30 followers in batches of 10: three messages on the one fan-out channel, none per user.
    expect(bus.sent.map((s) => s.channel)).toEqual([FANOUT_CHANNEL, FANOUT_CHANNEL, FANOUT_CHANNEL]);
    expect(bus.sent.map((s) => (s.message as unknown as FanoutMessage).to.length)).toEqual([10, 10, 10]);
    const data = { photoId, author: { id: author, username: 'celebrity' } };
    for (const c of [a1, a2]) {
      expect(c.got).toEqual(await events.since(fans[0]!, '0'));
      expect(c.got).toEqual([{ id: expect.any(String), type: 'post.new', data }]);
      // The frame built from the shared body is exactly the event's JSON.
      expect(c.frames).toEqual([JSON.stringify(c.got[0])]);
    }
    expect(last.got).toEqual(await events.since(fans[29]!, '0'));
    expect(last.got).toHaveLength(1);

    // Unsubscribed: the next post reaches the sockets still held only.
    await stopLast();
    expect((await events.announcePost(await insertPost(db, { ownerId: author, status: 'ready' }))).sent).toBe(
      30,
    );
    expect(a1.got).toHaveLength(2);
    expect(a2.got).toHaveLength(2);
    expect(last.got).toHaveLength(1);
  });

  it('keeps ids increasing when fan-out events arrive behind an ordinary event still being checked', async () => {
    await makeFans(1);
    const fan = fans[0]!;
    const bus = new MemoryPubSub();
    const presence = new MemoryPresence();
    presence.hold(fan);
    const events = new EventServiceImpl({ db, pubsub: bus, presence });
    const c = collector();
    await events.subscribe(fan, c.on);
    const like = {
      id: '1',
      type: 'like' as const,
      actor: { id: author, username: 'celebrity', displayName: '', avatarUrl: null },
      photo: null,
      comment: null,
      report: null,
      export: null,
      read: false,
      createdAt: new Date().toISOString(),
    };
    // A notification (checked against the database before delivery), a photo.failed (no check),
    // a fan-out post.new, another notification, then a fan-out message built by hand right away:
    // nothing may overtake the check in progress.
    await events.publish(fan, 'notification', like);
    await events.publish(fan, 'photo.failed', { photoId: '5', reason: 'x' });
    await events.announcePost(await insertPost(db, { ownerId: author, status: 'ready' }));
    await events.publish(fan, 'notification', like);
    // Then, back to back with nothing awaited between, a notification and a fan-out post.new
    // straight onto the bus: the notification's check is surely still running when the fan-out
    // message arrives (the rows are stored first, as the real publishers do).
    const insert = async (type: string, data: unknown) =>
      rowsOf<{ id: string }>(
        await db.execute(sql`
          insert into user_events (user_id, type, data, created_at)
          values (${fan}, ${type}, ${JSON.stringify(data)}::jsonb, now())
          returning id::text as id`),
      )[0]!.id;
    const post = { photoId: '9', author: { id: author, username: 'celebrity' } };
    const noteId = await insert('notification', like);
    const postId = await insert('post.new', post);
    const sent = [
      bus.publish(userChannel(fan), { id: noteId, type: 'notification', data: like }),
      bus.publish(FANOUT_CHANNEL, { type: 'post.new', data: post, to: [[fan, postId]] }),
    ];
    await Promise.all(sent);
    await vi.waitFor(() => expect(c.got).toHaveLength(6), WAIT);
    expect(c.got.map((e) => e.type)).toEqual([
      'notification',
      'photo.failed',
      'post.new',
      'notification',
      'notification',
      'post.new',
    ]);
    const ids = c.got.map((e) => BigInt(e.id));
    expect([...ids].sort((x, y) => (x < y ? -1 : 1))).toEqual(ids);
    expect(c.got).toEqual(await events.since(fan, '0'));
  });

  it('over Redis, each realtime process delivers a fan-out message to the users it holds only', async () => {
    await makeFans(40);
    const prefix = uniquePrefix('fanout');
    const buses = [0, 1, 2].map(() => new RedisPubSub({ redis: testRedisSettings, prefix }));
    try {
      const [workerBus, busA, busB] = buses as [RedisPubSub, RedisPubSub, RedisPubSub];
      const presence = new MemoryPresence();
      for (const id of fans) presence.hold(id);
      const worker = new EventServiceImpl({ db, pubsub: recording(workerBus), presence });
      const a = new EventServiceImpl({ db, pubsub: busA, presence });
      const b = new EventServiceImpl({ db, pubsub: busB, presence });
      // Process A holds the even fans, B the odd ones below 30 (fan 1 on two sockets); 30–39 nowhere.
      const got = new Map<string, UserEvent[][]>();
      const hold = async (svc: EventServiceImpl, id: string) => {
        const list: UserEvent[] = [];
        got.set(id, [...(got.get(id) ?? []), list]);
        await svc.subscribe(id, (e) => void list.push(e));
      };
      for (let n = 0; n < 30; n++) await hold(n % 2 === 0 ? a : b, fans[n]!);
      await hold(b, fans[1]!);
      const photoId = await insertPost(db, { ownerId: author, status: 'ready' });
      expect(await worker.announcePost(photoId)).toEqual({ followers: 40, sent: 40 });
      await vi.waitFor(
        () => expect([...got.values()].flat().every((list) => list.length === 1)).toBe(true),
        WAIT,
      );
      for (const [id, lists] of got) for (const list of lists) expect(list).toEqual(await a.since(id, '0'));
      expect(got.get(fans[1]!)).toHaveLength(2);
      // Nothing more arrives (no doubles): one more ordinary event to a held user, then counts.
      await worker.publish(fans[0]!, 'photo.failed', { photoId: '5', reason: 'x' });
      await vi.waitFor(() => expect(got.get(fans[0]!)![0]).toHaveLength(2), WAIT);
      expect([...got.values()].flat().reduce((s, l) => s + l.length, 0)).toBe(31 + 1);
    } finally {
      for (const bus of buses) await bus.close();
    }
  });

  it('a batch bigger than a NOTIFY payload arrives complete over the postgres bus', async () => {
    await makeFans(600);
    const pgChannel = `graminsta_test_${Math.random().toString(36).slice(2)}`;
    const sender = recording(new PostgresPubSub({ url: TEST_PG_ADMIN_URL, pgChannel }));
    const receiver = new PostgresPubSub({ url: TEST_PG_ADMIN_URL, pgChannel });
    try {
      const presence = new MemoryPresence();
      for (const id of fans) presence.hold(id);
      const announcer = new EventServiceImpl({ db, pubsub: sender, presence, announceBatch: 500 });
      const realtime = new EventServiceImpl({ db, pubsub: receiver, presence });
      const got = new Map<string, UserEvent[]>();
      for (const id of fans) {
        got.set(id, []);
        await realtime.subscribe(id, (e) => void got.get(id)!.push(e));
      }
      const photoId = await insertPost(db, { ownerId: author, status: 'ready' });
      expect(await announcer.announcePost(photoId)).toEqual({ followers: 600, sent: 600 });
      // 500 pairs do not fit in one NOTIFY: the batch went out in several messages, all on the fan-out channel.
      expect(sender.sent.length).toBeGreaterThan(2);
      expect(sender.sent.every((s) => s.channel === FANOUT_CHANNEL)).toBe(true);
      await vi.waitFor(() => expect([...got.values()].every((list) => list.length === 1)).toBe(true), WAIT);
      for (const id of [fans[0]!, fans[499]!, fans[500]!, fans[599]!])
        expect(got.get(id)).toEqual(await realtime.since(id, '0'));
    } finally {
      await sender.close();
      await receiver.close();
    }
  });
});

describe('fanoutMessages / frameMaker', () => {
  const data = { photoId: '42', author: { id: '7', username: 'ünïcode "quoted"' } };
  const to = Array.from({ length: 1000 }, (_, n): [string, string] => [String(1e17 + n), String(2e17 + n)]);

  it('one message without a limit; under a limit, chunks that each fit and keep every pair in order', () => {
    expect(fanoutMessages('post.new', data, to)).toEqual([{ type: 'post.new', data, to }]);
    const chunks = fanoutMessages('post.new', data, to, 7900);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks)
      expect(Buffer.byteLength(JSON.stringify({ channel: FANOUT_CHANNEL, message: c }))).toBeLessThanOrEqual(
        7900,
      );
    expect(chunks.flatMap((c) => c.to)).toEqual(to);
    expect(fanoutMessages('post.new', data, [])).toEqual([]);
  });

  it('builds the same frame text as serializing the whole event', () => {
    const make = frameMaker({ type: 'post.new', data, to: [] });
    const { event, frame } = make('123');
    expect(event).toEqual({ id: '123', type: 'post.new', data });
    expect(frame).toBe(JSON.stringify({ id: '123', type: 'post.new', data }));
    expect(JSON.parse(frame)).toEqual(event);
  });
});
