import { and, eq, gt, lte } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { sessions } from '../db/schema.ts';

/** Sessions are found by the SHA-256 of their token; the token itself is never stored. */
export class SessionRepository {
  constructor(private readonly db: Db) {}

  async insert(
    values: { userId: string; tokenHash: string; createdAt: Date; expiresAt: Date },
    tx: Db = this.db,
  ) {
    await tx.insert(sessions).values(values);
  }

  async findUserId(tokenHash: string, now: Date): Promise<string | null> {
    const [row] = await this.db
      .select({ userId: sessions.userId })
      .from(sessions)
      .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now)));
    return row?.userId ?? null;
  }

  async delete(tokenHash: string): Promise<void> {
    await this.db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
  }

  async deleteExpired(now: Date): Promise<number> {
    const rows = await this.db
      .delete(sessions)
      .where(lte(sessions.expiresAt, now))
      .returning({ id: sessions.id });
    return rows.length;
  }
}
