import { and, count, desc, eq, inArray, isNull, lt, lte, ne, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '@graminsta/platform';
import { accountExports, comments, notifications, photoMedia, photos, reports, users } from '../db/schema.ts';
import {
  MUTABLE_NOTIFICATIONS,
  isActive,
  muting,
  notBlockedWith,
  presentTo,
  visibleTo,
} from '../policies/audience.sql.ts';
import type { NotificationInput } from '../services.ts';
import { summaryColumns } from '../users/user.repository.ts';

// A post's first item: its thumbnail stands for the post in the list.
const cover = alias(photoMedia, 'cover');

// Spelled out: drizzle prints a one-table query's columns bare, and subqueries below have their own "id".
const recipient = sql`"users"."id"`;
// A post's owner, for whether a mentioned user may see it at all.
const postOwner = alias(users, 'post_owner');

/**
 * Notifications the recipient still hears of, by the actor (joined as `users`): present (active,
 * no block either way) and, for the kinds a mute covers, not muted by the recipient.
 */
function heardFrom(recipientId: unknown): SQL {
  const mutable = sql.join(
    [...MUTABLE_NOTIFICATIONS].map((t) => sql`${t}`),
    sql`, `,
  );
  // A notification about a post the recipient may no longer see (its owner went private, blocked) goes too.
  const hiddenPost = sql`exists (select 1 from ${photos} pv join ${users} "post_owner" on ${postOwner.id} = pv.owner_id
    where pv.id = ${notifications.photoId} and not ${visibleTo(recipientId, postOwner)})`;
  return sql`(${presentTo(recipientId)} and not (${notifications.type} in (${mutable}) and ${muting(recipientId, users.id)})
    and not ${hiddenPost})`;
}

const listColumns = {
  id: notifications.id,
  userId: notifications.userId,
  type: notifications.type,
  photoId: notifications.photoId,
  commentId: notifications.commentId,
  readAt: notifications.readAt,
  createdAt: notifications.createdAt,
  actor: summaryColumns,
  photoVariants: cover.variants,
  commentBody: comments.body,
  subjectId: notifications.subjectId,
  exportExpiresAt: accountExports.expiresAt,
  reportId: reports.id,
  reportStatus: reports.status,
};

export class NotificationRepository {
  constructor(private readonly db: Db) {}

  async insert(input: NotificationInput, tx: Db): Promise<string> {
    const [row] = await tx
      .insert(notifications)
      .values({
        userId: input.recipientId,
        actorId: input.actorId,
        type: input.type,
        photoId: input.photoId ?? null,
        commentId: input.commentId ?? null,
        subjectId: input.subjectId ?? null,
      })
      .returning({ id: notifications.id });
    return row!.id;
  }

  /**
   * A `mention` from `actorId` to each user named in `usernames` (lowercase) but the actor; a user
   * already mentioned in the same post or comment is skipped (notifications_mention_once_idx).
   */
  async insertMentions(
    input: {
      actorId: string;
      usernames: string[];
      photoId: string;
      commentId?: string;
      alreadyNotified?: string;
    },
    tx: Db,
  ): Promise<string[]> {
    if (input.usernames.length === 0) return [];
    // Nobody hears from an actor they blocked, muted or were blocked by, nor of a post they may not see.
    const seesPost = sql`exists (select 1 from ${photos} pp join ${users} "post_owner" on ${postOwner.id} = pp.owner_id
      where pp.id = ${input.photoId} and ${visibleTo(recipient, postOwner)})`;
    const recipients = await tx
      .select({ id: users.id })
      .from(users)
      .where(
        and(
          inArray(sql`lower(${users.username})`, input.usernames),
          ne(users.id, input.actorId),
          input.alreadyNotified === undefined ? undefined : ne(users.id, input.alreadyNotified),
          isActive(),
          notBlockedWith(recipient, input.actorId),
          sql`not ${muting(recipient, input.actorId)}`,
          seesPost,
        ),
      );
    if (recipients.length === 0) return [];
    const rows = await tx
      .insert(notifications)
      .values(
        recipients.map((r) => ({
          userId: r.id,
          actorId: input.actorId,
          type: 'mention' as const,
          photoId: input.photoId,
          commentId: input.commentId ?? null,
        })),
      )
      .onConflictDoNothing()
      .returning({ id: notifications.id });
    return rows.map((r) => r.id);
  }

  async deleteMatching(input: NotificationInput, tx: Db): Promise<void> {
    await tx
      .delete(notifications)
      .where(
        and(
          eq(notifications.userId, input.recipientId),
          eq(notifications.actorId, input.actorId),
          eq(notifications.type, input.type),
          input.photoId === undefined ? undefined : eq(notifications.photoId, input.photoId),
          input.commentId === undefined ? undefined : eq(notifications.commentId, input.commentId),
        ),
      );
  }

  /**
   * Every notification pointing at a comment, whoever received it; found through its photo
   * (notifications_photo_idx), as comment_id has no index of its own.
   */
  async deleteForComment(comment: { id: string; photoId: string }, tx: Db): Promise<void> {
    await tx
      .delete(notifications)
      .where(and(eq(notifications.photoId, comment.photoId), eq(notifications.commentId, comment.id)));
  }

  /**
   * One user's notifications older than `beforeId`, newest first, with actor, photo and comment;
   * those from actors the user no longer hears from (heardFrom) are left out, not deleted.
   */
  list(userId: string, beforeId: string | undefined, limit: number) {
    const where = and(
      eq(notifications.userId, userId),
      beforeId ? lt(notifications.id, beforeId) : undefined,
      heardFrom(userId),
    );
    return this.select(where).orderBy(desc(notifications.id)).limit(limit);
  }

  async findById(id: string) {
    const [row] = await this.select(eq(notifications.id, id));
    return row ?? null;
  }

  async unreadCount(userId: string, tx: Db = this.db): Promise<number> {
    const [row] = await tx
      .select({ n: count() })
      .from(notifications)
      .innerJoin(users, eq(users.id, notifications.actorId))
      .where(and(eq(notifications.userId, userId), isNull(notifications.readAt), heardFrom(userId)));
    return row?.n ?? 0;
  }

  async markRead(userId: string, upTo: string | undefined, readAt: Date, tx: Db): Promise<void> {
    await tx
      .update(notifications)
      .set({ readAt })
      .where(
        and(
          eq(notifications.userId, userId),
          isNull(notifications.readAt),
          upTo === undefined ? undefined : lte(notifications.id, upTo),
        ),
      );
  }

  private select(where: SQL | undefined) {
    return (
      this.db
        .select(listColumns)
        .from(notifications)
        .innerJoin(users, eq(users.id, notifications.actorId))
        .leftJoin(cover, and(eq(cover.photoId, notifications.photoId), eq(cover.position, 0)))
        .leftJoin(comments, eq(comments.id, notifications.commentId))
        // export_ready: the export it announces (gone once expired, and the notification with it).
        .leftJoin(
          accountExports,
          and(eq(notifications.type, 'export_ready'), eq(accountExports.id, notifications.subjectId)),
        )
        .leftJoin(
          reports,
          and(eq(reports.id, notifications.subjectId), eq(notifications.type, 'report_resolved')),
        )
        .where(where)
    );
  }
}

export type NotificationRow = NonNullable<Awaited<ReturnType<NotificationRepository['findById']>>>;
