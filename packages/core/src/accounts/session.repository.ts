import { and, eq, gt, lte, sql } from 'drizzle-orm';
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

  /** Runs on every authenticated request: a prepared statement, built once (see FeedRepository). */
  async findUserId(tokenHash: string, now: Date): Promise<string | null> {
    this.findUserIdQuery ??= this.buildFindUserIdQuery();
    const [row] = await this.findUserIdQuery.execute({ tokenHash, now: now.toISOString() });
    return row?.userId ?? null;
  }

  private findUserIdQuery?: ReturnType<SessionRepository['buildFindUserIdQuery']>;

  private buildFindUserIdQuery() {
    return this.db
      .select({ userId: sessions.userId })
      .from(sessions)
      .where(
        and(
          eq(sessions.tokenHash, sql.placeholder('tokenHash')),
          gt(sessions.expiresAt, sql`${sql.placeholder('now')}::timestamptz`),
        ),
      )
      .prepare('session_user_id');
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
