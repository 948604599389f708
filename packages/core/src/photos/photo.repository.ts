import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { comments, likes, notifications, photoTags, photos, users } from '../db/schema.ts';
import { summaryColumns, type UserSummaryRow } from '../users/user.repository.ts';

export type PhotoRow = typeof photos.$inferSelect;
export type StoredVariants = NonNullable<PhotoRow['variants']>;

/** A photo with the summary of its owner: what every photo presentation needs. */
export interface PhotoWithOwner {
  photo: PhotoRow;
  owner: UserSummaryRow;
}

/** The select list of PhotoWithOwner; other repositories (feed) reuse it with their own FROM/WHERE. */
export const photoWithOwnerColumns = { photo: photos, owner: summaryColumns };

export class PhotoRepository {
  constructor(private readonly db: Db) {}

  async insert(values: { ownerId: string; caption: string; altText: string; sourceKey: string }, tx: Db) {
    const [row] = await tx.insert(photos).values(values).returning();
    return row!;
  }

  async insertTags(photoId: string, ownerId: string, tags: string[], tx: Db): Promise<void> {
    if (tags.length === 0) return;
    await tx.insert(photoTags).values(tags.map((tag) => ({ tag, photoId, ownerId })));
  }

  async adjustPhotoCount(ownerId: string, delta: 1 | -1, tx: Db): Promise<void> {
    await tx
      .update(users)
      .set({ photoCount: sql`${users.photoCount} + ${delta}` })
      .where(eq(users.id, ownerId));
  }

  async findById(id: string, tx: Db = this.db): Promise<PhotoRow | null> {
    const [row] = await tx.select().from(photos).where(eq(photos.id, id));
    return row ?? null;
  }

  async findWithOwner(id: string, tx: Db = this.db): Promise<PhotoWithOwner | null> {
    const [row] = await tx
      .select(photoWithOwnerColumns)
      .from(photos)
      .innerJoin(users, eq(users.id, photos.ownerId))
      .where(eq(photos.id, id));
    return row ?? null;
  }

  /** Locks the row: likes, comments and a concurrent delete queue behind this transaction. */
  async lock(id: string, tx: Db): Promise<PhotoRow | null> {
    const [row] = await tx.select().from(photos).where(eq(photos.id, id)).for('update');
    return row ?? null;
  }

  /** Deletes the photo and every row that hangs off it; the caller holds the row lock. */
  async deleteWithDependents(photo: PhotoRow, tx: Db): Promise<void> {
    await tx.delete(likes).where(eq(likes.photoId, photo.id));
    await tx.delete(comments).where(eq(comments.photoId, photo.id));
    await tx.delete(photoTags).where(eq(photoTags.photoId, photo.id));
    // Like and comment notifications about a photo all go to its owner: the user index finds them.
    await tx
      .delete(notifications)
      .where(and(eq(notifications.userId, photo.ownerId), eq(notifications.photoId, photo.id)));
    await tx.delete(photos).where(eq(photos.id, photo.id));
    const wasAvatar = sql`${users.avatarPhotoId} = ${photo.id}`;
    await tx
      .update(users)
      .set({
        photoCount: sql`${users.photoCount} - 1`,
        avatarPhotoId: sql`case when ${wasAvatar} then null else ${users.avatarPhotoId} end`,
        avatarUrl: sql`case when ${wasAvatar} then null else ${users.avatarUrl} end`,
      })
      .where(eq(users.id, photo.ownerId));
  }

  /** processing → ready; false when the photo is gone or no longer processing. */
  async markReady(
    id: string,
    result: { variants: StoredVariants; placeholderColor: string; width: number; height: number },
  ): Promise<boolean> {
    const rows = await this.db
      .update(photos)
      .set({ ...result, status: 'ready', failureReason: null })
      .where(and(eq(photos.id, id), eq(photos.status, 'processing')))
      .returning({ id: photos.id });
    return rows.length > 0;
  }

  /** processing → failed; false when the photo is gone or no longer processing. */
  async markFailed(id: string, reason: string): Promise<boolean> {
    const rows = await this.db
      .update(photos)
      .set({ status: 'failed', failureReason: reason })
      .where(and(eq(photos.id, id), eq(photos.status, 'processing')))
      .returning({ id: photos.id });
    return rows.length > 0;
  }

  async processingIds(): Promise<string[]> {
    const rows = await this.db.select({ id: photos.id }).from(photos).where(eq(photos.status, 'processing'));
    return rows.map((r) => r.id);
  }

  /** An owner's photos newest first (photos_owner_idx); `includeUnready` for the owner's own view. */
  async listByOwner(
    ownerId: string,
    opts: { includeUnready: boolean; before?: string; limit: number },
  ): Promise<PhotoWithOwner[]> {
    return this.db
      .select(photoWithOwnerColumns)
      .from(photos)
      .innerJoin(users, eq(users.id, photos.ownerId))
      .where(
        and(
          eq(photos.ownerId, ownerId),
          opts.includeUnready ? undefined : eq(photos.status, 'ready'),
          opts.before === undefined ? undefined : lt(photos.id, opts.before),
        ),
      )
      .orderBy(desc(photos.id))
      .limit(opts.limit);
  }

  /** Which of `photoIds` the viewer likes: one query for a whole page. */
  async likedBy(viewerId: string, photoIds: string[]): Promise<Set<string>> {
    if (photoIds.length === 0) return new Set();
    const rows = await this.db
      .select({ photoId: likes.photoId })
      .from(likes)
      .where(and(eq(likes.userId, viewerId), inArray(likes.photoId, photoIds)));
    return new Set(rows.map((r) => r.photoId));
  }
}
