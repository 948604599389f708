import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@graminsta/platform';
import { MIGRATIONS_FOLDER } from '../migrations.ts';
import { adminQuery, pgUrlFor, usingPostgres } from '../testing/test-db.ts';
import { PhotoPresenter } from './photo.presenter.ts';
import { PhotoRepository } from './photo.repository.ts';

/** A copy of the migration history that stops after `lastTag` (drizzle's migrator reads the journal). */
async function historyUpTo(lastTag: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'graminsta-migrations-'));
  await cp(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
  const last = journal.entries.findIndex((e) => e.tag === lastTag);
  if (last < 0) throw new Error(`no migration ${lastTag}`);
  const dropped = journal.entries.slice(last + 1).map((e) => e.tag);
  journal.entries = journal.entries.slice(0, last + 1);
  await writeFile(journalPath, JSON.stringify(journal));
  for (const file of await readdir(dir)) {
    if (dropped.some((tag) => file.startsWith(tag))) await rm(join(dir, file));
  }
  return dir;
}

/** An empty database of the kind the tests run on. */
async function emptyDatabase(): Promise<Database> {
  if (!usingPostgres()) return openDatabase({ dataDir: 'memory://' });
  const name = `graminsta_mig_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`create database "${name}"`);
  const database = await openDatabase({ url: pgUrlFor(name), poolSize: 2 });
  const close = database.close;
  database.close = async () => {
    await close();
    await adminQuery(`drop database if exists "${name}" with (force)`);
  };
  return database;
}

/** Rows of a statement, on either driver (both answer with `rows`). */
async function rowsOf<T>(database: Database, query: SQL): Promise<T[]> {
  return ((await database.db.execute(query)) as unknown as { rows: T[] }).rows;
}

describe('migration 0008: every photo becomes a post of one item', () => {
  let database: Database;
  let before: string;

  beforeAll(async () => {
    database = await emptyDatabase();
    before = await historyUpTo('0007_rate_limiter_flexible');
    await database.migrate(before);
  });
  afterAll(async () => {
    await database.close();
    await rm(before, { recursive: true, force: true });
  });

  it('moves alt text, status, variants and sizes to one media row and presents the post as before', async () => {
    const db = database.db;
    const variants = {
      thumb: { key: 'p/1/thumb.webp', width: 320, height: 320 },
      w640: { key: 'p/1/w640.webp', width: 640, height: 480 },
      w1080: { key: 'p/1/w1080.webp', width: 1080, height: 810 },
    };
    const owners = await rowsOf<{ id: string }>(
      database,
      sql`insert into users (username, display_name, password_hash) values ('old', 'Old Timer', 'x') returning id::text`,
    );
    const owner = owners[0]!.id;
    const inserted = await rowsOf<{ id: string }>(
      database,
      sql`
      insert into photos (owner_id, caption, alt_text, status, failure_reason, source_key, variants,
                          placeholder_color, width, height, like_count, comment_count)
      values
        (${owner}, 'old #times', 'a quiet street', 'ready', null, 'uploads/x/ready',
         ${JSON.stringify(variants)}::jsonb, '#a0b0c0', 1080, 810, 3, 2),
        (${owner}, '', '', 'failed', 'not an image', 'uploads/x/failed', null, null, null, null, 0, 0),
        (${owner}, 'later', 'soon', 'processing', null, 'uploads/x/pending', null, null, null, null, 0, 0)
      returning id::text`,
    );
    const [ready, failed, pending] = inserted.map((r) => r.id) as [string, string, string];
    const created = await rowsOf<{ created_at: string }>(
      database,
      sql`select created_at::text from photos where id = ${ready}`,
    );

    await database.migrate(MIGRATIONS_FOLDER);

    const media = await rowsOf<Record<string, unknown>>(
      database,
      sql`
      select photo_id::text, owner_id::text, position, alt_text, status, failure_reason, source_key,
             variants, placeholder_color, width, height, created_at::text
      from photo_media order by photo_id`,
    );
    expect(media).toEqual([
      {
        photo_id: ready,
        owner_id: owner,
        position: 0,
        alt_text: 'a quiet street',
        status: 'ready',
        failure_reason: null,
        source_key: 'uploads/x/ready',
        variants,
        placeholder_color: '#a0b0c0',
        width: 1080,
        height: 810,
        created_at: created[0]!.created_at,
      },
      expect.objectContaining({ photo_id: failed, status: 'failed', failure_reason: 'not an image' }),
      expect.objectContaining({ photo_id: pending, status: 'processing', alt_text: 'soon' }),
    ]);

    const photos = new PhotoRepository(db);
    const presenter = new PhotoPresenter({
      photos,
      blobs: { publicUrl: (key: string) => `https://cdn.test/${key}` },
    });
    const presented = await presenter.presentOne((await photos.findWithOwner(ready))!, null);
    // The fields a one-photo client reads are what they were before the migration.
    expect(presented).toMatchObject({
      id: ready,
      owner: { id: owner, username: 'old', displayName: 'Old Timer' },
      caption: 'old #times',
      altText: 'a quiet street',
      tags: ['times'],
      status: 'ready',
      failureReason: null,
      variants: {
        thumb: { url: 'https://cdn.test/p/1/thumb.webp', width: 320, height: 320 },
        w640: { url: 'https://cdn.test/p/1/w640.webp', width: 640, height: 480 },
        w1080: { url: 'https://cdn.test/p/1/w1080.webp', width: 1080, height: 810 },
      },
      placeholderColor: '#a0b0c0',
      width: 1080,
      height: 810,
      likeCount: 3,
      commentCount: 2,
      likedByMe: false,
      savedByMe: false,
      editedAt: null,
    });
    expect(presented.variants).not.toHaveProperty('w2048');
    expect(presented.media).toEqual([
      {
        id: expect.any(String),
        status: 'ready',
        failureReason: null,
        variants: presented.variants,
        width: 1080,
        height: 810,
        placeholder: '#a0b0c0',
        altText: 'a quiet street',
      },
    ]);
    const failedPost = await presenter.presentOne((await photos.findWithOwner(failed))!, owner);
    expect(failedPost).toMatchObject({ status: 'failed', failureReason: 'not an image', variants: null });
    // The post still processing is picked up again by the worker's requeue.
    expect(await photos.processingIds()).toEqual([pending]);
  });
});
