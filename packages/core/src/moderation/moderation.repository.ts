import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { ReportAction, ReportTargetType, Role } from '@graminsta/contracts';
import type { Db } from '@graminsta/platform';
import { comments, moderationActions, photos, sessions, users } from '../db/schema.ts';
import { photoWithOwnerColumns, type PhotoWithOwner } from '../photos/photo.repository.ts';
import { summaryColumns } from '../users/user.repository.ts';

/**
 * What moderators read and do: the reported content whatever its audience (the queue exists to
 * look at what others cannot), the moderation log, suspensions and roles.
 */
export class ModerationRepository {
  constructor(private readonly db: Db) {}

  /** Posts by id with owner and items, whoever they are visible to. */
  async photos(ids: string[]): Promise<PhotoWithOwner[]> {
    if (ids.length === 0) return [];
    return this.db
      .select(photoWithOwnerColumns)
      .from(photos)
      .innerJoin(users, eq(users.id, photos.ownerId))
      .where(inArray(photos.id, ids));
  }

  async comments(ids: string[]) {
    if (ids.length === 0) return [];
    return this.db
      .select({ comment: comments, author: summaryColumns })
      .from(comments)
      .innerJoin(users, eq(users.id, comments.authorId))
      .where(inArray(comments.id, ids));
  }

  async users(ids: string[]) {
    if (ids.length === 0) return [];
    return this.db.select().from(users).where(inArray(users.id, ids));
  }

  async logAction(
    values: {
      reportId: string;
      moderatorId: string;
      action: ReportAction;
      targetType: ReportTargetType;
      targetId: string;
      reason: string;
    },
    tx: Db,
  ): Promise<void> {
    await tx.insert(moderationActions).values(values);
  }

  /**
   * Suspends the account and ends every one of its sessions in the caller's transaction, so no
   * request of it is served after the commit. False when there is no such account.
   */
  async suspend(userId: string, now: Date, tx: Db): Promise<boolean> {
    const [row] = await tx
      .update(users)
      // A second suspension keeps the first date.
      .set({ suspendedAt: sql`coalesce(${users.suspendedAt}, ${now.toISOString()}::timestamptz)` })
      .where(and(eq(users.id, userId), isNull(users.deletedAt)))
      .returning({ id: users.id });
    if (!row) return false;
    await tx.delete(sessions).where(eq(sessions.userId, userId));
    return true;
  }

  /** Sets an account's role by username (any case); null when no such account. */
  async setRole(username: string, role: Role): Promise<{ id: string; username: string } | null> {
    const [row] = await this.db
      .update(users)
      .set({ role })
      .where(sql`lower(${users.username}) = ${username.toLowerCase()}`)
      .returning({ id: users.id, username: users.username });
    return row ?? null;
  }
}
