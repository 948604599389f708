import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import type { Database } from '@graminsta/platform';
import { users } from '../db/schema.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-db.ts';
import { NO_CURSOR, TimelineRepository } from './timeline.repository.ts';

async function planOf(database: Database, query: { sql: string; params: unknown[] }): Promise<string> {
  const text = `explain ${query.sql}`;
  const { rows } = database.pglite
    ? await database.pglite.query<Record<string, string>>(text, query.params)
    : await database.pool!.query<Record<string, string>>(text, query.params);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

describe('TimelineRepository query plans', () => {
  let t: TestDatabase;
  let reader: string;
  let ids: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    const db = t.database.db;
    // A site with history: 2,000 accounts, 200 of them posting 50 photos each; u2 is a celebrity.
    await db.execute(
      sql`insert into users (username, password_hash) select 'u' || g, 'x' from generate_series(1, 2000) g`,
    );
    await db.execute(sql`update users set follower_count = 1500 where username = 'u2'`);
    await db.execute(sql`
      insert into photos (owner_id, status)
      select u.id, 'ready' from users u cross join generate_series(1, 50) g
      where u.username in (select 'u' || g from generate_series(1, 200) g)`);
    const [first] = await db.select({ id: users.id }).from(users).where(eq(users.username, 'u1'));
    reader = first!.id;
    await db.execute(sql`
      insert into follows (follower_id, followee_id)
      select ${reader}, id from users where username in (select 'u' || g from generate_series(2, 120) g)`);
    // Everyone else follows twenty accounts: follows is large, as it is in production.
    await db.execute(sql`
      insert into follows (follower_id, followee_id)
      select a.id, b.id from users a cross join users b
      where a.username not in ('u1') and b.username in (select 'u' || g from generate_series(2, 21) g) and a.id <> b.id`);
    const rows = await db.execute<{ id: string }>(
      sql`select id::text as id from photos order by id desc limit 40`,
    );
    ids = `{${(rows as unknown as { rows: Array<{ id: string }> }).rows.map((r) => r.id).join(',')}}`;
    await db.execute(sql`analyze`);
  });
  afterAll(() => t.close());

  it('reads a page by photos_pkey probes and finds celebrities from the reader’s follows, scanning neither photos nor follows', async () => {
    const repo = new TimelineRepository(t.database.db);
    const plan = await planOf(t.database, repo.pageQuery(reader, ids, NO_CURSOR, 21, 1000).toSQL());
    expect(plan).toContain('photos_pkey');
    expect(plan).toContain('photos_owner_idx');
    // (The owners' users rows may be hashed from a table this small; the celebrity test must not scan it.)
    expect(plan).not.toMatch(/Seq Scan on (photos|follows)|Seq Scan on users cu/);
  });

  it('rebuilds a timeline one author at a time from photos_owner_idx', async () => {
    const plan = await planOf(
      t.database,
      new TimelineRepository(t.database.db).rebuildQuery(reader, 500).toSQL(),
    );
    expect(plan).toContain('photos_owner_idx');
    expect(plan).not.toMatch(/Seq Scan on photos/);
  });
});
