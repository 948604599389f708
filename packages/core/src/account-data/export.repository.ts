import { and, asc, desc, eq, gt, inArray, lte, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '@graminsta/platform';
import {
  accountExports,
  comments,
  follows,
  likes,
  notifications,
  photoMedia,
  photoTags,
  photos,
  saves,
  users,
} from '../db/schema.ts';

export type ExportRow = typeof accountExports.$inferSelect;

const other = alias(users, 'other');

/** The account_exports rows, and the reads that fill an export's zip. */
export class ExportRepository {
  constructor(private readonly db: Db) {}

  /** The account's export still being prepared, locked so two requests cannot both add one. */
  async pendingFor(userId: string, tx: Db): Promise<ExportRow | null> {
    // The user row is the lock: two racing requests queue on it, the second sees the first's row.
    await tx.execute(sql`select 1 from ${users} where ${users.id} = ${userId} for update`);
    const [row] = await tx
      .select()
      .from(accountExports)
      .where(and(eq(accountExports.userId, userId), eq(accountExports.status, 'pending')))
      .limit(1);
    return row ?? null;
  }

  async insert(userId: string, tx: Db): Promise<ExportRow> {
    const [row] = await tx.insert(accountExports).values({ userId }).returning();
    return row!;
  }

  async findById(id: string, tx: Db = this.db): Promise<ExportRow | null> {
    const [row] = await tx.select().from(accountExports).where(eq(accountExports.id, id));
    return row ?? null;
  }

  async latest(userId: string): Promise<ExportRow | null> {
    const [row] = await this.db
      .select()
      .from(accountExports)
      .where(eq(accountExports.userId, userId))
      .orderBy(desc(accountExports.id))
      .limit(1);
    return row ?? null;
  }

  /** pending → ready with its zip; false when it is no longer pending (done by another try). */
  async markReady(id: string, values: { key: string; size: number; expiresAt: Date }, tx: Db) {
    const rows = await tx
      .update(accountExports)
      .set({ ...values, status: 'ready' })
      .where(and(eq(accountExports.id, id), eq(accountExports.status, 'pending')))
      .returning({ id: accountExports.id });
    return rows.length > 0;
  }

  async markFailed(id: string): Promise<void> {
    await this.db
      .update(accountExports)
      .set({ status: 'failed' })
      .where(and(eq(accountExports.id, id), eq(accountExports.status, 'pending')));
  }

  /** The export_ready notification: about the export (subject_id), from and to its owner. */
  async notifyReady(exp: ExportRow, tx: Db): Promise<string> {
    const [row] = await tx
      .insert(notifications)
      .values({ userId: exp.userId, actorId: exp.userId, type: 'export_ready', subjectId: exp.id })
      .returning({ id: notifications.id });
    return row!.id;
  }

  /** Up to `limit` exports past their expiry (or failed a day ago), oldest first. */
  async expired(now: Date, limit: number): Promise<ExportRow[]> {
    const dayAgo = new Date(now.getTime() - 24 * 3600 * 1000);
    return this.db
      .select()
      .from(accountExports)
      .where(
        or(
          lte(accountExports.expiresAt, now),
          and(eq(accountExports.status, 'failed'), lte(accountExports.createdAt, dayAgo)),
        ),
      )
      .orderBy(asc(accountExports.id))
      .limit(limit);
  }

  /** Removes exports and the notifications that link to them. */
  async deleteMany(ids: string[], tx: Db = this.db): Promise<void> {
    if (ids.length === 0) return;
    await tx
      .delete(notifications)
      .where(and(eq(notifications.type, 'export_ready'), inArray(notifications.subjectId, ids)));
    await tx.delete(accountExports).where(inArray(accountExports.id, ids));
  }

  // --- What goes into the zip ---

  async user(userId: string) {
    const [row] = await this.db.select().from(users).where(eq(users.id, userId));
    return row ?? null;
  }

  /** One page of the account's posts (oldest first after `afterId`), with their tags. */
  async posts(userId: string, afterId: string, limit: number) {
    return this.db
      .select({
        id: photos.id,
        caption: photos.caption,
        status: photos.status,
        createdAt: photos.createdAt,
        editedAt: photos.editedAt,
        tags: sql<
          string[]
        >`coalesce((select array_agg(${photoTags.tag} order by ${photoTags.tag}) from ${photoTags} where ${photoTags.photoId} = ${photos.id}), '{}')`,
      })
      .from(photos)
      .where(and(eq(photos.ownerId, userId), gt(photos.id, afterId)))
      .orderBy(asc(photos.id))
      .limit(limit);
  }

  async media(photoIds: string[]) {
    if (photoIds.length === 0) return [];
    return this.db
      .select({
        id: photoMedia.id,
        photoId: photoMedia.photoId,
        position: photoMedia.position,
        altText: photoMedia.altText,
        status: photoMedia.status,
        variants: photoMedia.variants,
      })
      .from(photoMedia)
      .where(inArray(photoMedia.photoId, photoIds))
      .orderBy(asc(photoMedia.photoId), asc(photoMedia.position));
  }

  async comments(userId: string) {
    return this.db
      .select({
        id: comments.id,
        photoId: comments.photoId,
        body: comments.body,
        createdAt: comments.createdAt,
      })
      .from(comments)
      .where(eq(comments.authorId, userId))
      .orderBy(asc(comments.id));
  }

  /** Usernames on the other side of the account's follows, `dir` saying which side the account is on. */
  async follows(userId: string, dir: 'followers' | 'following') {
    const [mine, theirs] =
      dir === 'followers'
        ? [follows.followeeId, follows.followerId]
        : [follows.followerId, follows.followeeId];
    return this.db
      .select({ username: other.username, since: follows.createdAt })
      .from(follows)
      .innerJoin(other, eq(other.id, theirs))
      .where(eq(mine, userId))
      .orderBy(asc(follows.createdAt));
  }

  async likes(userId: string) {
    return this.db
      .select({ photoId: likes.photoId, createdAt: likes.createdAt })
      .from(likes)
      .where(eq(likes.userId, userId))
      .orderBy(asc(likes.createdAt));
  }

  async saved(userId: string) {
    return this.db
      .select({ photoId: saves.photoId, createdAt: saves.createdAt })
      .from(saves)
      .where(eq(saves.userId, userId))
      .orderBy(asc(saves.id));
  }
}
