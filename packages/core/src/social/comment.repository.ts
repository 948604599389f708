import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { comments, photos, users } from '../db/schema.ts';
import { presentTo } from '../policies/audience.sql.ts';
import { summaryColumns, type UserSummaryRow } from '../users/user.repository.ts';

export type CommentRow = typeof comments.$inferSelect;
export type CommentWithAuthor = { comment: CommentRow; author: UserSummaryRow };

const withAuthor = { comment: comments, author: summaryColumns };

export class CommentRepository {
  constructor(private readonly db: Db) {}

  async insert(values: { photoId: string; photoOwnerId: string; authorId: string; body: string }, tx: Db) {
    const [row] = await tx.insert(comments).values(values).returning();
    return row!;
  }

  async findById(id: string, tx: Db = this.db): Promise<CommentRow | null> {
    const [row] = await tx.select().from(comments).where(eq(comments.id, id));
    return row ?? null;
  }

  async findWithAuthor(id: string, tx: Db = this.db): Promise<CommentWithAuthor | null> {
    const [row] = await tx
      .select(withAuthor)
      .from(comments)
      .innerJoin(users, eq(users.id, comments.authorId))
      .where(eq(comments.id, id));
    return row ?? null;
  }

  /** True only when the row was really deleted (not already gone). */
  async delete(id: string, tx: Db): Promise<boolean> {
    const rows = await tx.delete(comments).where(eq(comments.id, id)).returning({ id: comments.id });
    return rows.length > 0;
  }

  /**
   * A photo's comments oldest first, after `afterId` (comments_photo_idx), without those of
   * authors gone or blocked either way with the viewer.
   */
  async list(
    photoId: string,
    viewerId: string | null,
    afterId: string | undefined,
    limit: number,
  ): Promise<CommentWithAuthor[]> {
    return this.db
      .select(withAuthor)
      .from(comments)
      .innerJoin(users, eq(users.id, comments.authorId))
      .where(
        and(
          eq(comments.photoId, photoId),
          afterId === undefined ? undefined : gt(comments.id, afterId),
          presentTo(viewerId),
        ),
      )
      .orderBy(asc(comments.id))
      .limit(limit);
  }

  /** Moves the counter of a ready photo; false when the photo is gone or not ready. */
  async adjustCount(photoId: string, delta: 1 | -1, tx: Db): Promise<boolean> {
    const rows = await tx
      .update(photos)
      .set({ commentCount: sql`${photos.commentCount} + ${delta}` })
      .where(and(eq(photos.id, photoId), eq(photos.status, 'ready')))
      .returning({ id: photos.id });
    return rows.length > 0;
  }
}
