import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import type { Page, Photo } from '@graminsta/contracts';
import {
  MemoryPubSub,
  MemoryTimelineStore,
  RedisTimelineStore,
  openRedis,
  whenReady,
  type Db,
  type TimelineStore,
} from '@graminsta/platform';
import { AccountServiceImpl } from '../accounts/account.service.ts';
import { photos, users } from '../db/schema.ts';
import { EventServiceImpl } from '../events/event.service.ts';
import { NotifierImpl } from '../notifications/notification.service.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-db.ts';
import { RelationServiceImpl } from '../users/relation.service.ts';
import { UserServiceImpl } from '../users/user.service.ts';
import { FeedServiceImpl } from './feed.service.ts';
import type { TimelineOutcome } from './timeline.feed.ts';
import { timelineHooks } from './timeline.hooks.ts';

const blobs = { publicUrl: (key: string) => `https://cdn.test/${key}` };
const CELEBRITY = 3;

/**
 * The home feed as the rules define it, written as plain SQL apart from the implementation: the
 * viewer's own ready posts, and those of active accounts they follow, neither muted nor blocked
 * either way, newest first.
 */
async function reference(db: Db, viewer: string): Promise<string[]> {
  const rows = await db.execute<{ id: string }>(sql`
    select p.id::text as id from photos p join users o on o.id = p.owner_id
    where p.status = 'ready' and o.suspended_at is null and o.deleted_at is null
      and (p.owner_id = ${viewer} or (
        exists (select 1 from follows f where f.follower_id = ${viewer} and f.followee_id = p.owner_id)
        and not exists (select 1 from mutes m where m.muter_id = ${viewer} and m.muted_id = p.owner_id)
        and not exists (select 1 from blocks b where (b.blocker_id = ${viewer} and b.blocked_id = p.owner_id)
                                              or (b.blocker_id = p.owner_id and b.blocked_id = ${viewer}))))
    order by p.id desc`);
  // PGlite answers { rows }, node-postgres too: both are QueryResult-shaped.
  return (rows as unknown as { rows: Array<{ id: string }> }).rows.map((r) => r.id);
}

async function walk(fetch: (cursor?: string) => Promise<Page<Photo>>, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    seen.push(...page.items.map((p) => p.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return seen;
}

interface World {
  t: TestDatabase;
  db: Db;
  store: TimelineStore;
  feed: FeedServiceImpl;
  users: UserServiceImpl;
  relations: RelationServiceImpl;
  accounts: AccountServiceImpl;
  outcomes: TimelineOutcome[];
  id: Record<string, string>;
  /** A ready post by `owner`, fanned out as the worker's job would. */
  post(owner: string): Promise<string>;
  /** The viewer's whole feed through the timelines, at several page sizes; all must agree. */
  feedOf(viewer: string): Promise<string[]>;
}

async function makeWorld(store: TimelineStore, length = 12): Promise<World> {
  const t = await createTestDatabase();
  const db = t.database.db;
  const events = new EventServiceImpl({ db, pubsub: new MemoryPubSub() });
  const notifier = new NotifierImpl({ db, blobs, events });
  const booked: string[] = [];
  const hooks = timelineHooks({
    store,
    queue: { enqueue: async (_n, p) => void booked.push(JSON.stringify(p)) },
  });
  const outcomes: TimelineOutcome[] = [];
  const feed = new FeedServiceImpl({
    db,
    blobs,
    timelines: { store, celebrityFollowers: CELEBRITY, length, onOutcome: (o) => outcomes.push(o) },
  });
  const names = ['viewer', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'celeb', 'f1', 'f2', 'f3', 'newbie'];
  const rows = await db
    .insert(users)
    .values(names.map((username) => ({ username, passwordHash: 'x', private: username === 'a6' })))
    .returning({ id: users.id, username: users.username });
  const id = Object.fromEntries(rows.map((r) => [r.username, r.id]));
  const w: World = {
    t,
    db,
    store,
    feed,
    users: new UserServiceImpl({ db, notifier, timelines: hooks }),
    relations: new RelationServiceImpl({ db, notifier, timelines: hooks }),
    accounts: new AccountServiceImpl({ db, blobs, notifier, timelines: hooks }),
    outcomes,
    id,
    async post(owner) {
      const [row] = await db
        .insert(photos)
        .values({ ownerId: id[owner]!, status: 'ready' })
        .returning({ id: photos.id });
      await db.execute(
        sql`insert into photo_media (photo_id, owner_id, position, status, source_key) values (${row!.id}, ${id[owner]!}, 0, 'ready', 'k')`,
      );
      await feed.fanOut(row!.id);
      return row!.id;
    },
    async feedOf(viewer) {
      const walks = [];
      for (const limit of [1, 4, 7, 50])
        walks.push(await walk((cursor) => feed.home(id[viewer]!, { limit, cursor }), limit));
      for (const other of walks.slice(1)) expect(other).toEqual(walks[0]);
      return walks[0]!;
    },
  };
  return w;
}

function suite(name: string, open: () => Promise<{ store: TimelineStore; close: () => Promise<void> }>) {
  describe(`home feed from timelines (${name})`, () => {
    let w: World;
    let close: () => Promise<void>;
    const check = async (viewer: string) => {
      const expected = await reference(w.db, w.id[viewer]!);
      expect(await w.feedOf(viewer)).toEqual(expected);
      return expected;
    };

    beforeAll(async () => {
      const opened = await open();
      close = opened.close;
      w = await makeWorld(opened.store);
      // viewer follows five ordinary authors, the private a6 is not followed yet; celeb has 4 followers.
      for (const a of ['a1', 'a2', 'a3', 'a4', 'a5', 'celeb']) await w.users.follow(w.id.viewer!, a);
      for (const f of ['f1', 'f2', 'f3']) await w.users.follow(w.id[f]!, 'celeb');
      await w.users.follow(w.id.f1!, 'a1');
      // History before the viewer's timeline exists: a rebuild must find it.
      for (const owner of ['a1', 'celeb', 'a2', 'viewer', 'a3', 'a6', 'a4', 'a5', 'a1', 'a6', 'celeb'])
        await w.post(owner);
    });
    afterAll(async () => {
      await w.t.close();
      await close();
    });

    it('rebuilds a missing timeline on first read and pages it like the reference', async () => {
      expect(await w.store.read(w.id.viewer!, undefined, 1)).toMatchObject({ state: 'missing' });
      const expected = await check('viewer');
      expect(expected.length).toBe(9);
      expect(w.outcomes).toContain('rebuilt');
      expect((await w.store.read(w.id.viewer!, undefined, 100)).state).toBe('ready');
      // A first page of a ready timeline is answered from it, with no fallback.
      w.outcomes.length = 0;
      expect((await w.feed.home(w.id.viewer!, { limit: 4 })).items.map((p) => p.id)).toEqual(
        expected.slice(0, 4),
      );
      expect(w.outcomes).toEqual(['hit']);
      await w.store.drop([w.id.viewer!]);
      await check('viewer');
    });

    it('fans out ordinary posts, merges celebrity posts and the viewer’s own at read time', async () => {
      await check('viewer');
      const ordinary = await w.post('a2');
      const celebrity = await w.post('celeb');
      const own = await w.post('viewer');
      // The celebrity's post went into no timeline; it shows all the same.
      expect((await w.store.read(w.id.viewer!, undefined, 100)).ids).toContain(ordinary);
      expect((await w.store.read(w.id.viewer!, undefined, 100)).ids).not.toContain(celebrity);
      expect((await w.store.read(w.id.viewer!, undefined, 100)).ids).not.toContain(own);
      const feed = await check('viewer');
      expect(feed.slice(0, 3)).toEqual([own, celebrity, ordinary]);
      // Past the timeline's 12 ids, deeper pages still match (they are read from the database).
      for (let i = 0; i < 8; i += 1) await w.post(i % 2 ? 'a3' : 'a4');
      expect((await check('viewer')).length).toBeGreaterThan(12);
      // A celebrity follower who follows no one else sees the celebrity's posts too.
      expect((await check('f2')).length).toBeGreaterThan(0);
      await check('f1');
    });

    it('hides deleted posts, and blocked, muted, unfollowed and suspended authors', async () => {
      const [victim] = await w.db
        .select({ id: photos.id })
        .from(photos)
        .where(eq(photos.ownerId, w.id.a3!))
        .limit(1);
      await w.db.delete(photos).where(eq(photos.id, victim!.id));
      await check('viewer');
      await w.relations.block(w.id.a2!, 'viewer');
      await check('viewer');
      await w.relations.mute(w.id.viewer!, 'a1');
      await check('viewer');
      await w.users.unfollow(w.id.viewer!, 'a4');
      await check('viewer');
      await w.db.update(users).set({ suspendedAt: new Date() }).where(eq(users.id, w.id.a5!));
      const hidden = await check('viewer');
      await w.relations.unmute(w.id.viewer!, 'a1');
      await w.db.update(users).set({ suspendedAt: null }).where(eq(users.id, w.id.a5!));
      expect((await check('viewer')).length).toBeGreaterThan(hidden.length);
    });

    it('shows a private account only once the request is accepted, and an account followed later', async () => {
      expect((await w.users.follow(w.id.viewer!, 'a6')).state).toBe('requested');
      const before = await check('viewer');
      // Turning public accepts the pending request: a6's older posts appear at once.
      await w.accounts.updateMe(w.id.a6!, { private: false });
      const after = await check('viewer');
      expect(after.length).toBe(before.length + 2);
      await w.accounts.updateMe(w.id.a6!, { private: true });
      await check('viewer');
      const p = await w.post('newbie');
      await w.users.follow(w.id.viewer!, 'newbie');
      expect(await check('viewer')).toContain(p);
      const [a6Newest] = await reference(w.db, w.id.a6!);
      expect(await check('viewer')).toContain(a6Newest);
      await w.users.unfollow(w.id.viewer!, 'a6');
      expect(await check('viewer')).not.toContain(a6Newest);
    });
  });
}

suite('memory store', async () => {
  const store = new MemoryTimelineStore({ maxLength: 12, idleSeconds: 60 });
  return { store, close: () => store.close() };
});

suite('Redis store', async () => {
  const client = openRedis({
    url: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    onError: () => {},
  });
  await whenReady(client);
  const prefix = `test:feed:${process.pid}:${Date.now()}:`;
  const store = new RedisTimelineStore({ client, prefix, maxLength: 12, idleSeconds: 60 });
  return {
    store,
    async close() {
      const keys = await client.keys(`${prefix}*`);
      if (keys.length > 0) await client.del(...keys);
      client.disconnect();
    },
  };
});

describe('home feed from timelines: a timeline full of hidden ids', () => {
  it('widens its window past ids a rule hides instead of answering a short page', async () => {
    const store = new MemoryTimelineStore({ maxLength: 200, idleSeconds: 60 });
    const w = await makeWorld(store, 200);
    try {
      await w.users.follow(w.id.viewer!, 'a1');
      await w.users.follow(w.id.viewer!, 'a2');
      for (let i = 0; i < 10; i += 1) await w.post('a1');
      await w.feed.home(w.id.viewer!, { limit: 5 }); // builds the timeline
      for (let i = 0; i < 45; i += 1) await w.post('a2');
      await w.relations.mute(w.id.viewer!, 'a2');
      expect((await store.read(w.id.viewer!, undefined, 100)).ids).toHaveLength(55);
      w.outcomes.length = 0;
      const expected = await reference(w.db, w.id.viewer!);
      expect(expected).toHaveLength(10);
      expect((await w.feed.home(w.id.viewer!, { limit: 5 })).items.map((p) => p.id)).toEqual(
        expected.slice(0, 5),
      );
      // Answered from the timeline (a wider second window), not by the fallback query.
      expect(w.outcomes).toEqual(['hit']);
      expect(await w.feedOf('viewer')).toEqual(expected);
    } finally {
      await w.t.close();
    }
  });
});
