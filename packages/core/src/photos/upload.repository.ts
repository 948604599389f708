import { and, eq, gt, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { photos, uploads, users } from '../db/schema.ts';

export type UploadRow = typeof uploads.$inferSelect;

export class UploadRepository {
  constructor(private readonly db: Db) {}

  async insert(
    values: {
      ownerId: string;
      key: string;
      contentType: string;
      maxBytes: number;
      expiresAt: Date;
      multipartId?: string | null;
    },
    tx: Db = this.db,
  ) {
    const [row] = await tx.insert(uploads).values(values).returning();
    return row!;
  }

  async findById(id: string, tx: Db = this.db): Promise<UploadRow | null> {
    const [row] = await tx.select().from(uploads).where(eq(uploads.id, id));
    return row ?? null;
  }

  async findByKey(key: string): Promise<UploadRow | null> {
    const [row] = await this.db.select().from(uploads).where(eq(uploads.key, key));
    return row ?? null;
  }

  /** Holds the owner's row until the transaction ends, so two uploads cannot both pass the quota. */
  async lockOwner(ownerId: string, tx: Db): Promise<void> {
    await tx.select({ id: users.id }).from(users).where(eq(users.id, ownerId)).for('update');
  }

  /** Declared bytes of the owner's uploads still in flight: open and unused, or feeding a photo in processing. */
  async bytesInFlight(ownerId: string, now: Date, tx: Db = this.db): Promise<number> {
    const [row] = await tx
      .select({ total: sql<string>`coalesce(sum(${uploads.maxBytes}), 0)` })
      .from(uploads)
      .leftJoin(photos, eq(photos.id, uploads.photoId))
      .where(
        and(
          eq(uploads.ownerId, ownerId),
          or(and(isNull(uploads.photoId), gt(uploads.expiresAt, now)), eq(photos.status, 'processing')),
        ),
      );
    return Number(row?.total ?? 0);
  }

  /**
   * Claims an open target for the bytes just received: unused, never received, not expired.
   * False when another PUT (or a photo, or the clock) got there first; the row stays locked
   * until the caller's transaction ends, so a racing PUT waits and then finds it taken.
   */
  async markReceived(key: string, now: Date, tx: Db): Promise<boolean> {
    const rows = await tx
      .update(uploads)
      .set({ receivedAt: now })
      .where(
        and(
          eq(uploads.key, key),
          isNull(uploads.receivedAt),
          isNull(uploads.photoId),
          gt(uploads.expiresAt, now),
        ),
      )
      .returning({ id: uploads.id });
    return rows.length > 0;
  }

  /**
   * Binds the upload to its photo, pinning the ETag of the bytes that were checked (null where
   * the store keeps none); false when another request used it first or it expired.
   */
  async markUsed(id: string, photoId: string, etag: string | null, now: Date, tx: Db): Promise<boolean> {
    const rows = await tx
      .update(uploads)
      .set({ photoId, etag })
      .where(and(eq(uploads.id, id), isNull(uploads.photoId), gt(uploads.expiresAt, now)))
      .returning({ id: uploads.id });
    return rows.length > 0;
  }

  /**
   * Deletes up to `limit` unused uploads expired by `now`, returning their keys and multipart ids
   * (rows locked until commit).
   */
  async deleteExpiredUnused(
    now: Date,
    limit: number,
    tx: Db,
  ): Promise<Array<{ key: string; multipartId: string | null }>> {
    const due = tx
      .select({ id: uploads.id })
      .from(uploads)
      .where(and(isNull(uploads.photoId), lte(uploads.expiresAt, now)))
      .limit(limit);
    const rows = await tx
      .delete(uploads)
      .where(and(inArray(uploads.id, due), isNull(uploads.photoId)))
      .returning({ key: uploads.key, multipartId: uploads.multipartId });
    return rows;
  }

  /** The owner's id in the condition lets the owner index find the row. */
  async deleteForPhoto(ownerId: string, photoId: string, tx: Db): Promise<void> {
    await tx.delete(uploads).where(and(eq(uploads.ownerId, ownerId), eq(uploads.photoId, photoId)));
  }
}
