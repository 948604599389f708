import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { photos, saves, users } from '../db/schema.ts';
import { visibleTo } from '../policies/audience.sql.ts';
import { photoWithOwnerColumns, type PhotoWithOwner } from './photo.repository.ts';

/** Bookmarks: a row per (user, post), paged by the save's own id, newest first. */
export class SaveRepository {
  constructor(private readonly db: Db) {}

  /** Repeating a save changes nothing. */
  async insert(userId: string, photoId: string, photoOwnerId: string, tx: Db = this.db): Promise<void> {
    await tx.insert(saves).values({ userId, photoId, photoOwnerId }).onConflictDoNothing();
  }

  async delete(userId: string, photoId: string, tx: Db = this.db): Promise<void> {
    await tx.delete(saves).where(and(eq(saves.userId, userId), eq(saves.photoId, photoId)));
  }

  /**
   * The user's saved posts that are ready, newest save first (saves_user_idx), with each save's id
   * for the next page's cursor. A post the user may no longer see (its owner went private, gone,
   * or blocked either way) drops out, and comes back if that changes.
   */
  async list(
    userId: string,
    beforeSaveId: string | undefined,
    limit: number,
  ): Promise<Array<PhotoWithOwner & { saveId: string }>> {
    return this.db
      .select({ ...photoWithOwnerColumns, saveId: saves.id })
      .from(saves)
      .innerJoin(photos, eq(photos.id, saves.photoId))
      .innerJoin(users, eq(users.id, photos.ownerId))
      .where(
        and(
          eq(saves.userId, userId),
          eq(photos.status, 'ready'),
          visibleTo(userId),
          beforeSaveId === undefined ? undefined : lt(saves.id, beforeSaveId),
        ),
      )
      .orderBy(desc(saves.id))
      .limit(limit);
  }
}
