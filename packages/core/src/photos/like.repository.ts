import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { likes, photos } from '../db/schema.ts';

export class LikeRepository {
  constructor(private readonly db: Db) {}

  /** True only when a row was really inserted: a repeated like changes nothing. */
  async insert(photoId: string, userId: string, photoOwnerId: string, tx: Db): Promise<boolean> {
    const rows = await tx
      .insert(likes)
      .values({ photoId, userId, photoOwnerId })
      .onConflictDoNothing()
      .returning({ photoId: likes.photoId });
    return rows.length > 0;
  }

  /** True only when a row was really deleted. */
  async delete(photoId: string, userId: string, tx: Db): Promise<boolean> {
    const rows = await tx
      .delete(likes)
      .where(and(eq(likes.photoId, photoId), eq(likes.userId, userId)))
      .returning({ photoId: likes.photoId });
    return rows.length > 0;
  }

  async exists(photoId: string, userId: string, tx: Db = this.db): Promise<boolean> {
    const rows = await tx
      .select({ one: sql`1` })
      .from(likes)
      .where(and(eq(likes.photoId, photoId), eq(likes.userId, userId)));
    return rows.length > 0;
  }

  /** Moves the counter of a ready photo; null when it is gone (deleted under us). */
  async adjustCount(photoId: string, delta: 1 | -1, tx: Db): Promise<number | null> {
    const [row] = await tx
      .update(photos)
      .set({ likeCount: sql`${photos.likeCount} + ${delta}` })
      .where(and(eq(photos.id, photoId), eq(photos.status, 'ready')))
      .returning({ likeCount: photos.likeCount });
    return row?.likeCount ?? null;
  }

  /** The counter of a ready photo; null when it is gone. */
  async count(photoId: string, tx: Db = this.db): Promise<number | null> {
    const [row] = await tx
      .select({ likeCount: photos.likeCount })
      .from(photos)
      .where(and(eq(photos.id, photoId), eq(photos.status, 'ready')));
    return row?.likeCount ?? null;
  }
}
