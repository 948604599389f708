import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Photo } from '@graminsta/contracts';
import type { Database } from '@graminsta/platform';
import { eq, sql } from 'drizzle-orm';
import { follows, users } from '../db/schema.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-db.ts';
import {
  createPhotoWorld,
  jpegBytes,
  makeUser,
  postPhoto,
  uploadAndCreate,
  type PhotoWorld,
} from '../photos/photo.fixtures.ts';
import { FeedRepository } from './feed.repository.ts';
import { FeedServiceImpl } from './feed.service.ts';

/** Walks every page of a feed, checking each is at most `limit` long. */
async function all(fetch: (cursor?: string) => Promise<Page<Photo>>, limit: number): Promise<Photo[]> {
  const seen: Photo[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    seen.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return seen;
}

/** The plan PostgreSQL picks for a query built by a repository. */
async function planOf(database: Database, query: { sql: string; params: unknown[] }): Promise<string> {
  const text = `explain ${query.sql}`;
  const { rows } = database.pglite
    ? await database.pglite.query<Record<string, string>>(text, query.params)
    : await database.pool!.query<Record<string, string>>(text, query.params);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

describe('FeedService', () => {
  let w: PhotoWorld;
  let feed: FeedServiceImpl;
  let alice: string;
  let bob: string;
  let carol: string;
  const posted: Record<string, Photo[]> = {};

  beforeAll(async () => {
    w = await createPhotoWorld();
    feed = new FeedServiceImpl({ db: w.db, blobs: w.blobs });
    [alice, bob, carol] = [
      await makeUser(w.db, 'alice'),
      await makeUser(w.db, 'bob'),
      await makeUser(w.db, 'carol'),
    ];
    await w.db.insert(follows).values([
      { followerId: alice, followeeId: bob },
      { followerId: carol, followeeId: alice },
    ]);
    const bytes = await jpegBytes(64, 48);
    // Interleaved authors, so a page must merge them in id order.
    const plan: Array<[string, string]> = [
      [bob, 'morning #Sun'],
      [alice, 'coffee'],
      [carol, 'beach #sun #sea'],
      [bob, 'lunch'],
      [alice, 'walk #SUN'],
      [bob, 'dusk'],
      [carol, 'night'],
      [alice, 'late'],
    ];
    for (const [owner, caption] of plan)
      (posted[owner] ??= []).push(await postPhoto(w, owner, { bytes, caption }));
    // Neither a processing nor a failed photo appears anywhere, even with a matching tag.
    await uploadAndCreate(w, bob, bytes, { caption: 'pending #sun' });
    const broken = await uploadAndCreate(w, alice, Buffer.from('not a picture'), { caption: 'broken #sun' });
    await w.photos.processPhoto(broken.id);
    await w.photos.like(alice, posted[bob]![0]!.id);
  });
  afterAll(() => w.close());

  const ids = (photos: Photo[]) => photos.map((p) => p.id);
  const newestFirst = (...owners: string[]) =>
    owners
      .flatMap((o) => posted[o]!)
      .map((p) => p.id)
      .sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : -1));

  it('shows the home feed: followed accounts and own ready photos, newest first, paged without gaps', async () => {
    for (const limit of [1, 2, 3, 50]) {
      const items = await all((cursor) => feed.home(alice, { limit, cursor }), limit);
      expect(ids(items)).toEqual(newestFirst(alice, bob));
    }
    // Follows are one-way: carol follows alice, so carol sees alice and herself but not bob.
    expect(ids(await all((cursor) => feed.home(carol, { limit: 2, cursor }), 2))).toEqual(
      newestFirst(alice, carol),
    );
    // Following nobody: only your own photos.
    expect(ids((await feed.home(bob, { limit: 50 })).items)).toEqual(newestFirst(bob));
  });

  it('presents each photo with its owner and the viewer’s likes', async () => {
    const { items } = await feed.home(alice, { limit: 50 });
    const liked = items.filter((p) => p.likedByMe).map((p) => p.id);
    expect(liked).toEqual([posted[bob]![0]!.id]);
    const first = items.find((p) => p.id === posted[bob]![0]!.id)!;
    expect(first).toMatchObject({ status: 'ready', likeCount: 1, owner: { username: 'bob' }, tags: ['sun'] });
    expect(first.variants?.thumb.url).toMatch(/^http:\/\/storage\.test\/storage\/blobs\/p\//);
    expect((await feed.explore(null, { limit: 50 })).items.every((p) => !p.likedByMe)).toBe(true);
  });

  it('explores every ready photo newest first', async () => {
    const items = await all((cursor) => feed.explore(null, { limit: 3, cursor }), 3);
    expect(ids(items)).toEqual(newestFirst(alice, bob, carol));
  });

  it('lists a tag, whatever its case in captions and in the request', async () => {
    const expected = [posted[alice]![1]!, posted[carol]![0]!, posted[bob]![0]!].map((p) => p.id);
    expect(ids(await all((cursor) => feed.tag('sun', bob, { limit: 2, cursor }), 2))).toEqual(expected);
    expect(ids((await feed.tag('SUN', null, { limit: 50 })).items)).toEqual(expected);
    expect((await feed.tag('sea', null, { limit: 50 })).items).toHaveLength(1);
    expect((await feed.tag('nothing', null, { limit: 50 })).items).toEqual([]);
  });

  it('starts no page twice when new photos arrive between pages', async () => {
    const first = await feed.home(alice, { limit: 2 });
    const fresh = await postPhoto(w, bob, { bytes: await jpegBytes(32, 32) });
    const rest = await all(
      (cursor) => feed.home(alice, { limit: 2, cursor: cursor ?? first.nextCursor! }),
      2,
    );
    expect(ids([...first.items, ...rest])).toEqual(newestFirst(alice, bob));
    expect((await feed.home(alice, { limit: 1 })).items[0]!.id).toBe(fresh.id);
    await w.photos.deletePhoto(bob, fresh.id);
  });
});

describe('FeedRepository query plans', () => {
  let t: TestDatabase;
  let reader: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    const db = t.database.db;
    // A site with history: 200 accounts × 50 photos, statistics gathered, as the planner sees it in production.
    await db.execute(
      sql`insert into users (username, password_hash) select 'u' || g, 'x' from generate_series(1, 200) g`,
    );
    await db.execute(sql`
      insert into photos (owner_id, status)
      select u.id, case when g % 25 = 0 then 'processing' else 'ready' end
      from users u cross join generate_series(1, 50) g`);
    await db.execute(sql`
      insert into photo_media (photo_id, owner_id, position, status, source_key)
      select p.id, p.owner_id, 0, p.status, 'k' from photos p`);
    const [first] = await db.select({ id: users.id }).from(users).where(eq(users.username, 'u1'));
    reader = first!.id;
    await db.execute(sql`
      insert into follows (follower_id, followee_id)
      select ${reader}, id from users where username in ('u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8')`);
    await db.execute(sql`
      insert into photo_tags (tag, photo_id, owner_id)
      select case when p.id % 7 = 0 then 'sun' else 'tag' || (p.id % 500) end, p.id, p.owner_id from photos p`);
    await db.execute(sql`analyze`);
  });
  afterAll(() => t.close());

  it('reads the home feed through photos_owner_idx, one author at a time', async () => {
    const query = new FeedRepository(t.database.db).homeQuery(reader, undefined, 21).toSQL();
    const plan = await planOf(t.database, query);
    expect(plan).toContain('photos_owner_idx');
    expect(plan).not.toMatch(/Seq Scan on photos|Backward using photos_pkey/);
  });

  it('reads explore and tag pages in order from an index, with no sort and no table scan', async () => {
    const repo = new FeedRepository(t.database.db);
    const explorePlan = await planOf(t.database, repo.exploreQuery(reader, undefined, 21).toSQL());
    expect(explorePlan).toMatch(/Index Scan (Backward )?using photos_(pkey|ready_idx)/);
    expect(explorePlan).not.toMatch(/Seq Scan on photos|Sort/);
    const tagPlan = await planOf(t.database, repo.tagQuery(reader, 'sun', undefined, 21).toSQL());
    expect(tagPlan).toContain('photo_tags_tag_photo_id_pk');
    expect(tagPlan).not.toMatch(/Seq Scan on photos/);
  });
});
