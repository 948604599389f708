import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { uploads } from '../db/schema.ts';

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

  /** Binds the upload to its photo; false when another request used it first. */
  async markUsed(id: string, photoId: string, tx: Db): Promise<boolean> {
    const rows = await tx
      .update(uploads)
      .set({ photoId })
      .where(and(eq(uploads.id, id), isNull(uploads.photoId)))
      .returning({ id: uploads.id });
    return rows.length > 0;
  }

  /** The owner's id in the condition lets the owner index find the row. */
  async deleteForPhoto(ownerId: string, photoId: string, tx: Db): Promise<void> {
    await tx.delete(uploads).where(and(eq(uploads.ownerId, ownerId), eq(uploads.photoId, photoId)));
  }
}
