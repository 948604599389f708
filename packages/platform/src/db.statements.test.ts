import { eq, sql } from 'drizzle-orm';
import { pgTable, text } from 'drizzle-orm/pg-core';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_PG_ADMIN_URL } from '@graminsta/core/testing/test-db';
import { openDatabase, UNNAMED_STATEMENT, type Database } from './db.ts';

// A catalogue view both drivers have, so the test needs no schema of its own.
const roles = pgTable('pg_roles', { rolname: text('rolname') });

interface Seen {
  ok: boolean;
  statement: string;
}

// Both drivers in every mode: the thundering-herd test counts one statement across processes
// by this label, so it must be exact on PostgreSQL and on PGlite alike.
describe.each(['pglite', 'postgres'] as const)('query metrics by statement (%s)', (kind) => {
  let database: Database | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  async function open(): Promise<{ db: Database['db']; seen: Seen[] }> {
    const seen: Seen[] = [];
    const onQuery = (_seconds: number, ok: boolean, statement: string) => void seen.push({ ok, statement });
    database =
      kind === 'postgres'
        ? await openDatabase({ url: TEST_PG_ADMIN_URL, poolSize: 2, onQuery })
        : await openDatabase({ dataDir: 'memory://', onQuery });
    return { db: database.db, seen };
  }

  const count = (seen: Seen[], statement: string) => seen.filter((s) => s.statement === statement).length;

  it('labels each run of a named statement with its name, in and out of transactions', async () => {
    const { db, seen } = await open();
    const byName = db
      .select({ name: roles.rolname })
      .from(roles)
      .where(eq(roles.rolname, sql.placeholder('name')))
      .prepare('test_role_by_name');
    for (let i = 0; i < 3; i++) await byName.execute({ name: 'postgres' });
    await db.transaction(async (tx) => {
      const inTx = tx
        .select({ name: roles.rolname })
        .from(roles)
        .where(eq(roles.rolname, sql.placeholder('name')))
        .prepare('test_role_in_tx');
      // (A statement of the root handle would wait for this transaction on PGlite: one connection.)
      await inTx.execute({ name: 'postgres' });
      await inTx.execute({ name: 'nobody' });
    });
    await db.select({ name: roles.rolname }).from(roles).limit(1);

    expect(count(seen, 'test_role_by_name')).toBe(3);
    expect(count(seen, 'test_role_in_tx')).toBe(2);
    // The unnamed select, and begin/commit of the transaction: never the SQL text as a label.
    expect(count(seen, UNNAMED_STATEMENT)).toBeGreaterThanOrEqual(1);
    expect(seen.every((s) => s.ok)).toBe(true);
    expect(new Set(seen.map((s) => s.statement))).toEqual(
      new Set(['test_role_by_name', 'test_role_in_tx', UNNAMED_STATEMENT]),
    );
  });

  it('counts a failing statement once, as failed', async () => {
    const { db, seen } = await open();
    const failing = db
      .select({ n: sql<number>`1 / (${sql.placeholder('zero')}::int)` })
      .from(roles)
      .prepare('test_divide');
    await expect(failing.execute({ zero: 0 })).rejects.toThrow();
    await expect(db.execute(sql`select 1 / 0`)).rejects.toThrow();
    expect(seen).toEqual([
      { ok: false, statement: 'test_divide' },
      { ok: false, statement: UNNAMED_STATEMENT },
    ]);
  });
});
