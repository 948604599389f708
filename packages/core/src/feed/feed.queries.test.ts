import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalDiskBlobStore, MemoryPubSub, MemoryQueue, type Db } from '@graminsta/platform';
import { follows, likes, saves, users } from '../db/schema.ts';
import { PhotoPresenter } from '../photos/photo.presenter.ts';
import { EventServiceImpl } from '../events/event.service.ts';
import { NotifierImpl } from '../notifications/notification.service.ts';
import { PhotoRepository } from '../photos/photo.repository.ts';
import { PhotoServiceImpl } from '../photos/photo.service.ts';
import { SaveService } from '../photos/save.service.ts';
import { createQueryCounter, type QueryCounter } from '../testing/query-counter.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-db.ts';
import { FeedServiceImpl } from './feed.service.ts';

/**
 * A page of posts must cost the same number of statements whatever it holds: one post of one
 * photo or twenty posts of ten. A query per post or per item would show as a growing count.
 */
describe('statements per page of posts', () => {
  let t: TestDatabase;
  let db: Db;
  let counter: QueryCounter;
  let dir: string;
  let feed: FeedServiceImpl;
  let saved: SaveService;
  let profiles: PhotoServiceImpl;
  let queue: MemoryQueue;
  let pubsub: MemoryPubSub;
  let reader: string;
  let author: string;

  beforeAll(async () => {
    counter = createQueryCounter();
    t = await createTestDatabase({ onQuery: counter.observer });
    db = t.database.db;
    dir = await mkdtemp(join(tmpdir(), 'graminsta-queries-'));
    const blobs = new LocalDiskBlobStore({
      dir,
      publicBaseUrl: 'http://storage.test/storage',
      secret: 'test-secret-0123456789abcdef',
    });
    feed = new FeedServiceImpl({ db, blobs });
    const photos = new PhotoRepository(db);
    saved = new SaveService({ db, photos, presenter: new PhotoPresenter({ photos, blobs }) });
    queue = new MemoryQueue();
    pubsub = new MemoryPubSub();
    const events = new EventServiceImpl({ db, pubsub });
    const notifier = new NotifierImpl({ db, blobs, events });
    profiles = new PhotoServiceImpl({ db, blobs, queue, notifier, events, maxImagePixels: 1e6 });
  });
  afterAll(async () => {
    await queue.close();
    await pubsub.close();
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await t.reset();
    const rows = await db
      .insert(users)
      .values([
        { username: 'reader', passwordHash: 'x' },
        { username: 'author', passwordHash: 'x' },
      ])
      .returning({ id: users.id });
    [reader, author] = rows.map((r) => r.id) as [string, string];
    await db.insert(follows).values({ followerId: reader, followeeId: author });
  });

  /** `posts` ready posts of `items` ready photos each by the author; the reader likes and saves them all. */
  async function seed(posts: number, items: number): Promise<void> {
    await db.execute(sql`
      insert into photos (owner_id, status, caption)
      select ${author}, 'ready', 'post ' || g || ' #tag' from generate_series(1, ${posts}) g`);
    await db.execute(sql`
      insert into photo_media (photo_id, owner_id, position, status, source_key, alt_text, variants, width, height)
      select p.id, p.owner_id, i - 1, 'ready', 's/' || p.id || '/' || i, 'item ' || i,
        jsonb_build_object(
          'thumb', jsonb_build_object('key', 't/' || p.id || '/' || i, 'width', 320, 'height', 320),
          'w640', jsonb_build_object('key', 'm/' || p.id || '/' || i, 'width', 640, 'height', 480),
          'w1080', jsonb_build_object('key', 'l/' || p.id || '/' || i, 'width', 1080, 'height', 810)),
        1080, 810
      from photos p cross join generate_series(1, ${items}) i`);
    await db.execute(
      sql`insert into photo_tags (tag, photo_id, owner_id) select 'tag', id, owner_id from photos`,
    );
    await db.execute(
      sql`insert into ${likes} (photo_id, user_id, photo_owner_id) select id, ${reader}, owner_id from photos`,
    );
    await db.execute(
      sql`insert into ${saves} (user_id, photo_id, photo_owner_id) select ${reader}, id, owner_id from photos`,
    );
    await db.execute(sql`update photos set like_count = 1`);
  }

  /** Statements per page of each listing, with the page's shape checked so an empty page cannot pass. */
  async function costs(posts: number, items: number) {
    const pages = {
      home: () => feed.home(reader, { limit: 20 }),
      explore: () => feed.explore(reader, { limit: 20 }),
      tag: () => feed.tag('tag', reader, { limit: 20 }),
      saved: () => saved.list(reader, { limit: 20 }),
      profile: () => profiles.listByUser('author', reader, { limit: 20 }),
    };
    const cost: Record<string, number> = {};
    for (const [name, load] of Object.entries(pages)) {
      const { result, queries } = await counter.measure(load);
      expect([name, result.items.length]).toEqual([name, posts]);
      for (const photo of result.items) {
        expect(photo.media).toHaveLength(items);
        expect(photo).toMatchObject({ likedByMe: true, savedByMe: true, status: 'ready' });
      }
      cost[name] = queries;
    }
    return cost;
  }

  it('does not grow with the posts on a page nor with the photos in a post', async () => {
    await seed(1, 1);
    const small = await costs(1, 1);
    await t.reset();
    await db.insert(users).values([
      { id: reader, username: 'reader', passwordHash: 'x' },
      { id: author, username: 'author', passwordHash: 'x' },
    ]);
    await db.insert(follows).values({ followerId: reader, followeeId: author });
    await seed(20, 10);
    const large = await costs(20, 10);
    expect(large).toEqual(small);
    // The feeds: one statement for the posts with their items and the reader's likes and saves.
    // Saved and profile pages: one for the posts, one for the likes and saves; a profile first
    // finds its owner by name.
    expect(small).toEqual({ home: 1, explore: 1, tag: 1, saved: 2, profile: 3 });
  });

  it('gives each viewer their own likes and saves in the one statement', async () => {
    await seed(2, 2);
    // The reader liked and saved everything; the author and a signed-out visitor did neither.
    for (const [who, viewer, flag] of [
      ['reader', reader, true],
      ['author', author, false],
      ['nobody', null, false],
    ] as const) {
      const pages = [
        ...(viewer === null ? [] : [await feed.home(viewer, { limit: 20 })]),
        await feed.explore(viewer, { limit: 20 }),
        await feed.tag('tag', viewer, { limit: 20 }),
      ];
      for (const page of pages) {
        expect(page.items).toHaveLength(2);
        for (const photo of page.items)
          expect([who, photo.likedByMe, photo.savedByMe]).toEqual([who, flag, flag]);
      }
    }
  });
});
