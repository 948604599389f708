import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@graminsta/core/testing/test-db';
import { withCommitGuard, type CommitGuard } from './commit-guard.ts';
import type { Db } from './db.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await t.database.db.execute(sql`create table guard_probe (n int)`);
});
beforeEach(async () => {
  await t.database.db.execute(sql`delete from guard_probe`);
});
afterAll(async () => {
  await t?.close();
});

const insert = (n: number) =>
  t.database.db.transaction(async (tx) => {
    await tx.execute(sql`insert into guard_probe values (${n})`);
    // A savepoint inside: the guard runs once, for the whole transaction.
    await tx.transaction(async (sp) => sp.execute(sql`insert into guard_probe values (${n + 100})`));
    return n;
  });
/** The probe's numbers, as `db` (or a transaction) sees them. */
const numbers = async (db: Db) => {
  const result = (await db.execute(sql`select n from guard_probe order by n`)) as unknown as {
    rows: { n: number }[];
  };
  return result.rows.map((r) => Number(r.n));
};
const rows = () => numbers(t.database.db);

describe('commit guard', () => {
  it('runs inside every top-level transaction opened under it, after the work and before the commit', async () => {
    const seen: number[][] = [];
    const guard: CommitGuard = async (tx) => {
      seen.push(await numbers(tx));
    };
    await withCommitGuard(guard, async () => {
      await insert(1);
      await new Promise((r) => setTimeout(r, 1)); // still in force across awaits and timers
      await insert(2);
    });
    expect(seen).toEqual([
      [1, 101],
      [1, 2, 101, 102],
    ]);
  });

  it('rolls the whole transaction back when the guard throws', async () => {
    const refuse: CommitGuard = async () => {
      throw new Error('fenced off');
    };
    await expect(withCommitGuard(refuse, () => insert(3))).rejects.toThrow('fenced off');
    expect(await rows()).toEqual([]);
  });

  it('no longer guards work it started that runs on after it has ended', async () => {
    const refuse: CommitGuard = async () => {
      throw new Error('fenced off');
    };
    let lingering: Promise<number> | undefined;
    await withCommitGuard(refuse, async () => {
      // Like a queue pump or a reconnect loop first started from inside a request.
      lingering = new Promise((r) => setTimeout(r, 20)).then(() => insert(6));
    });
    await expect(lingering).resolves.toBe(6);
    expect(await rows()).toEqual([6, 106]);
  });

  it('leaves transactions outside it alone, also while another guard is in force elsewhere', async () => {
    const refuse: CommitGuard = async () => {
      throw new Error('fenced off');
    };
    const [guarded, free] = await Promise.allSettled([withCommitGuard(refuse, () => insert(4)), insert(5)]);
    expect(guarded.status).toBe('rejected');
    expect(free.status).toBe('fulfilled');
    expect(await rows()).toEqual([5, 105]);
  });
});
