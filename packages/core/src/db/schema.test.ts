import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../testing/test-db.ts';
import { users } from './schema.ts';

describe('schema and ids', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.close());

  it('makes 64-bit, time-ordered ids carrying shard 0, as strings', async () => {
    const rows = await t.database.db
      .insert(users)
      .values([
        { username: 'a1', passwordHash: 'x' },
        { username: 'a2', passwordHash: 'x' },
      ])
      .returning({ id: users.id });
    const [a, b] = rows.map((r) => BigInt(r.id));
    expect(typeof rows[0]!.id).toBe('string');
    expect(b! > a!).toBe(true);
    expect(a! > 2n ** 32n).toBe(true);
    expect((a! >> 10n) & 8191n).toBe(0n);
  });

  it('refuses a shard number out of range', async () => {
    await expect(t.database.db.execute(sql`select graminsta_next_id(9000)`)).rejects.toThrow();
  });

  it('keeps usernames unique case-insensitively', async () => {
    await t.database.db.insert(users).values({ username: 'Mixed', passwordHash: 'x' });
    await expect(
      t.database.db.insert(users).values({ username: 'mixed', passwordHash: 'x' }),
    ).rejects.toThrow();
  });
});
