import { and, desc, eq, gt, lt, lte, ne, sql } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { sessions } from '../db/schema.ts';

export type SessionRow = typeof sessions.$inferSelect;

/** What authentication needs of a session, from one prepared statement. */
export interface LiveSession {
  id: string;
  userId: string;
  lastUsedAt: Date;
  expiresAt: Date;
}

/** Sessions are found by the SHA-256 of their token; the token itself is never stored. */
export class SessionRepository {
  constructor(private readonly db: Db) {}

  async insert(
    values: { userId: string; tokenHash: string; createdAt: Date; expiresAt: Date; client?: string },
    tx: Db = this.db,
  ) {
    await tx.insert(sessions).values({ ...values, lastUsedAt: values.createdAt });
  }

  /** Runs on every authenticated request: a prepared statement, built once (see FeedRepository). */
  async findLive(tokenHash: string, now: Date): Promise<LiveSession | null> {
    this.findLiveQuery ??= this.buildFindLiveQuery();
    const [row] = await this.findLiveQuery.execute({ tokenHash, now: now.toISOString() });
    if (!row) return null;
    return {
      id: row.id,
      userId: row.userId,
      lastUsedAt: new Date(row.lastUsedAt),
      expiresAt: new Date(row.expiresAt),
    };
  }

  private findLiveQuery?: ReturnType<SessionRepository['buildFindLiveQuery']>;

  private buildFindLiveQuery() {
    return this.db
      .select({
        id: sessions.id,
        userId: sessions.userId,
        lastUsedAt: sessions.lastUsedAt,
        expiresAt: sessions.expiresAt,
      })
      .from(sessions)
      .where(
        and(
          eq(sessions.tokenHash, sql.placeholder('tokenHash')),
          gt(sessions.expiresAt, sql`${sql.placeholder('now')}::timestamptz`),
        ),
      )
      .prepare('session_live');
  }

  /** Conditional, so requests racing past the same stale stamp write it once between them. */
  async touch(id: string, now: Date, staleBefore: Date): Promise<void> {
    await this.db
      .update(sessions)
      .set({ lastUsedAt: now })
      .where(and(eq(sessions.id, id), lt(sessions.lastUsedAt, staleBefore)));
  }

  /** A user's live sessions, most recently used first. */
  async listLive(userId: string, now: Date): Promise<SessionRow[]> {
    return this.db
      .select()
      .from(sessions)
      .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, now)))
      .orderBy(desc(sessions.lastUsedAt), desc(sessions.id));
  }

  /** Ends one session of this user; false when the user has no such session. */
  async deleteOne(userId: string, id: string): Promise<boolean> {
    const rows = await this.db
      .delete(sessions)
      .where(and(eq(sessions.id, id), eq(sessions.userId, userId)))
      .returning({ id: sessions.id });
    return rows.length > 0;
  }

  /** Ends every session of a user, or every one but `keepTokenHash` (the caller's own). */
  async deleteAllOf(userId: string, tx: Db, keepTokenHash?: string): Promise<number> {
    const rows = await tx
      .delete(sessions)
      .where(
        and(
          eq(sessions.userId, userId),
          keepTokenHash === undefined ? undefined : ne(sessions.tokenHash, keepTokenHash),
        ),
      )
      .returning({ id: sessions.id });
    return rows.length;
  }

  /** Ends the session of a token hash; which one it was (for the revocation), or null. */
  async delete(tokenHash: string): Promise<{ id: string; userId: string } | null> {
    const [row] = await this.db
      .delete(sessions)
      .where(eq(sessions.tokenHash, tokenHash))
      .returning({ id: sessions.id, userId: sessions.userId });
    return row ?? null;
  }

  /** The id of a token hash's session (a password change keeps it), or null. */
  async idOf(tokenHash: string, tx: Db = this.db): Promise<string | null> {
    const [row] = await tx
      .select({ id: sessions.id })
      .from(sessions)
      .where(eq(sessions.tokenHash, tokenHash));
    return row?.id ?? null;
  }

  async deleteExpired(now: Date): Promise<number> {
    const rows = await this.db
      .delete(sessions)
      .where(lte(sessions.expiresAt, now))
      .returning({ id: sessions.id });
    return rows.length;
  }
}
