import { and, eq, inArray, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '@graminsta/platform';
import {
  accountExports,
  blocks,
  comments,
  emailTokens,
  followRequests,
  follows,
  idempotencyKeys,
  likes,
  mutes,
  notifications,
  photos,
  rateLimits,
  reports,
  saves,
  sessions,
  uploads,
  userEvents,
  users,
} from '../db/schema.ts';

/**
 * Rows an account owns outright, with no counter elsewhere to correct: each is removed in batches
 * by these columns. Reports ABOUT the account and the moderation log are not here on purpose.
 */
export const OWNED_ROWS: ReadonlyArray<{ table: PgTable; columns: PgColumn[] }> = [
  { table: followRequests, columns: [followRequests.requesterId, followRequests.targetId] },
  { table: blocks, columns: [blocks.blockerId, blocks.blockedId] },
  { table: mutes, columns: [mutes.muterId, mutes.mutedId] },
  { table: saves, columns: [saves.userId] },
  { table: notifications, columns: [notifications.userId, notifications.actorId] },
  { table: userEvents, columns: [userEvents.userId] },
  { table: sessions, columns: [sessions.userId] },
  { table: emailTokens, columns: [emailTokens.userId] },
  { table: reports, columns: [reports.reporterId] },
  { table: idempotencyKeys, columns: [idempotencyKeys.userId] },
];

/** The SQL of account deletion: every statement touches at most one batch of rows. */
export class DeletionRepository {
  constructor(private readonly db: Db) {}

  /** Marks the account deleted and ends its sessions; false when it already was. */
  async markDeleted(userId: string, now: Date, tx: Db): Promise<boolean> {
    const rows = await tx
      .update(users)
      .set({ deletedAt: now })
      .where(and(eq(users.id, userId), isNull(users.deletedAt)))
      .returning({ id: users.id });
    if (rows.length === 0) return false;
    await tx.delete(sessions).where(eq(sessions.userId, userId));
    return true;
  }

  async isDeleting(userId: string): Promise<boolean> {
    const [row] = await this.db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.id, userId), isNotNull(users.deletedAt)));
    return row !== undefined;
  }

  /** Accounts marked deleted whose rows are still there (a job lost, or given up). */
  async stillDeleting(limit: number): Promise<string[]> {
    const rows = await this.db
      .select({ id: users.id })
      .from(users)
      .where(isNotNull(users.deletedAt))
      .limit(limit);
    return rows.map((r) => r.id);
  }

  async photoIds(userId: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .select({ id: photos.id })
      .from(photos)
      .where(eq(photos.ownerId, userId))
      .limit(limit);
    return rows.map((r) => r.id);
  }

  /** One batch of the account's likes on posts, each post's like_count lowered with it. */
  async deleteLikes(userId: string, limit: number, tx: Db, touched?: string[]): Promise<number> {
    const batch = await tx
      .select({ photoId: likes.photoId })
      .from(likes)
      .where(eq(likes.userId, userId))
      .limit(limit)
      .for('update');
    const ids = batch.map((b) => b.photoId);
    touched?.push(...ids);
    if (ids.length === 0) return 0;
    await tx.delete(likes).where(and(eq(likes.userId, userId), inArray(likes.photoId, ids)));
    // One like per post and user (the primary key): each post loses exactly one.
    await tx
      .update(photos)
      .set({ likeCount: sql`greatest(${photos.likeCount} - 1, 0)` })
      .where(inArray(photos.id, ids));
    return ids.length;
  }

  /** One batch of the account's comments, their notifications, and each post's comment_count. */
  async deleteComments(userId: string, limit: number, tx: Db, touched?: string[]): Promise<number> {
    const batch = await tx
      .select({ id: comments.id, photoId: comments.photoId })
      .from(comments)
      .where(eq(comments.authorId, userId))
      .limit(limit)
      .for('update');
    if (batch.length === 0) return 0;
    touched?.push(...batch.map((b) => b.photoId));
    const ids = batch.map((b) => b.id);
    await tx.delete(notifications).where(inArray(notifications.commentId, ids));
    await tx.delete(comments).where(inArray(comments.id, ids));
    const perPhoto = new Map<string, number>();
    for (const { photoId } of batch) perPhoto.set(photoId, (perPhoto.get(photoId) ?? 0) + 1);
    for (const [photoId, n] of perPhoto)
      await tx
        .update(photos)
        .set({ commentCount: sql`greatest(${photos.commentCount} - ${n}, 0)` })
        .where(eq(photos.id, photoId));
    return batch.length;
  }

  /**
   * One batch of follows on one side of the account, the other account's counter lowered:
   * its follower_count when the account followed it, its following_count when it followed the account.
   */
  async deleteFollows(
    userId: string,
    side: 'follower' | 'followee',
    limit: number,
    tx: Db,
    touched?: string[],
  ): Promise<number> {
    const [mine, theirs] =
      side === 'follower'
        ? [follows.followerId, follows.followeeId]
        : [follows.followeeId, follows.followerId];
    const batch = await tx
      .select({ other: theirs })
      .from(follows)
      .where(eq(mine, userId))
      .limit(limit)
      .for('update');
    const others = batch.map((b) => b.other);
    touched?.push(...others);
    if (others.length === 0) return 0;
    await tx.delete(follows).where(and(eq(mine, userId), inArray(theirs, others)));
    const set =
      side === 'follower'
        ? { followerCount: sql`greatest(${users.followerCount} - 1, 0)` }
        : { followingCount: sql`greatest(${users.followingCount} - 1, 0)` };
    await tx.update(users).set(set).where(inArray(users.id, others));
    return others.length;
  }

  /** One batch of rows of `table` whose `column` is the account; how many went. */
  async deleteOwned(table: PgTable, column: PgColumn, userId: string, limit: number): Promise<number> {
    const rows = await this.db
      .delete(table)
      .where(inCtids(table, eq(column, userId), limit))
      .returning({ one: sql<number>`1` });
    return rows.length;
  }

  /** Other users' live events that name the account as their actor (kept a day for reconnects). */
  async deleteEventsAbout(userId: string, limit: number): Promise<number> {
    const about = sql`${userEvents.data} -> 'actor' ->> 'id' = ${userId}`;
    const rows = await this.db
      .delete(userEvents)
      .where(inCtids(userEvents, about, limit))
      .returning({ one: sql<number>`1` });
    return rows.length;
  }

  /** The account's per-account rate-limit counters (keys end in `:account:<id>`). */
  async deleteRateLimits(userId: string, limit: number): Promise<number> {
    const mine = sql`${rateLimits.key} like ${`%:account:${userId}`}`;
    const rows = await this.db
      .delete(rateLimits)
      .where(inCtids(rateLimits, mine, limit))
      .returning({ one: sql<number>`1` });
    return rows.length;
  }

  async uploadBatch(userId: string, limit: number) {
    return this.db
      .select({ id: uploads.id, key: uploads.key, multipartId: uploads.multipartId })
      .from(uploads)
      .where(eq(uploads.ownerId, userId))
      .limit(limit);
  }

  async deleteUploads(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.db.delete(uploads).where(inArray(uploads.id, ids));
  }

  async exportBatch(userId: string, limit: number) {
    return this.db
      .select({ id: accountExports.id, key: accountExports.key })
      .from(accountExports)
      .where(eq(accountExports.userId, userId))
      .limit(limit);
  }

  async deleteExports(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.db.delete(accountExports).where(inArray(accountExports.id, ids));
  }

  /** The last step: the username is free again. Only an account marked deleted goes. */
  async deleteUser(userId: string): Promise<boolean> {
    const rows = await this.db
      .delete(users)
      .where(and(eq(users.id, userId), isNotNull(users.deletedAt)))
      .returning({ id: users.id });
    return rows.length > 0;
  }
}

// Tables without a single-column key are batched by their physical row ids; `= any(array(…))`
// makes a TID scan of the outer table, where `in (…)` may scan all of it once per batch.
function inCtids(table: PgTable, where: SQL | undefined, limit: number): SQL {
  return sql`ctid = any(array(select ctid from ${table} where ${where} limit ${limit}))`;
}
