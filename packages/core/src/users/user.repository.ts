import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { photoMedia, photos, users } from '../db/schema.ts';
import { presentTo } from '../policies/audience.sql.ts';
import type { StoredVariants } from '../photos/photo.repository.ts';

export type UserRow = typeof users.$inferSelect;
export type UserSummaryRow = Pick<UserRow, 'id' | 'username' | 'displayName' | 'avatarUrl'>;

export const summaryColumns = {
  id: users.id,
  username: users.username,
  displayName: users.displayName,
  avatarUrl: users.avatarUrl,
};

const lowerUsername = sql`lower(${users.username})`;

/** Escapes LIKE wildcards so a search for `a_b` matches the text "a_b" only. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export class UserRepository {
  constructor(private readonly db: Db) {}

  /** Inserts a user; the unique index on lower(username) refuses duplicates in any case. */
  async insert(
    values: { username: string; passwordHash: string; displayName: string; email?: string | null },
    tx: Db = this.db,
  ) {
    const [row] = await tx.insert(users).values(values).returning();
    return row!;
  }

  async findById(id: string, tx: Db = this.db): Promise<UserRow | null> {
    const [row] = await tx.select().from(users).where(eq(users.id, id));
    return row ?? null;
  }

  async findByUsername(username: string, tx: Db = this.db): Promise<UserRow | null> {
    const [row] = await tx
      .select()
      .from(users)
      .where(sql`${lowerUsername} = ${username.toLowerCase()}`);
    return row ?? null;
  }

  async update(
    id: string,
    patch: Partial<Pick<UserRow, 'displayName' | 'bio' | 'avatarPhotoId' | 'avatarUrl' | 'private'>>,
    tx: Db = this.db,
  ): Promise<UserRow | null> {
    if (Object.keys(patch).length === 0) return this.findById(id, tx);
    const [row] = await tx.update(users).set(patch).where(eq(users.id, id)).returning();
    return row ?? null;
  }

  /** A photo offered as an avatar, locked against a concurrent delete while the profile points at it. */
  async lockAvatarPhoto(photoId: string, tx: Db) {
    const [row] = await tx
      .select({
        ownerId: photos.ownerId,
        status: photos.status,
        // The avatar is the post's first photo.
        // Qualified by hand: drizzle prints columns bare in a one-table query.
        variants: sql<StoredVariants | null>`(select m.variants from ${photoMedia} m where m.photo_id = "photos"."id" and m.position = 0)`,
      })
      .from(photos)
      .where(eq(photos.id, photoId))
      .for('share');
    return row ?? null;
  }

  /**
   * Usernames starting with `prefix` (case-insensitive), in byte order after `after`.
   * The ~<~ / ~>~ operators match the text_pattern_ops index, so both the prefix and the
   * keyset condition are index range scans. Accounts gone or blocked either way with the viewer
   * are not found.
   */
  async searchByPrefix(
    prefix: string,
    viewerId: string | null,
    after: string | undefined,
    limit: number,
  ): Promise<UserSummaryRow[]> {
    const pattern = `${escapeLike(prefix.toLowerCase())}%`;
    return this.db
      .select(summaryColumns)
      .from(users)
      .where(
        and(
          sql`${lowerUsername} like ${pattern}`,
          after === undefined ? undefined : sql`${lowerUsername} ~>~ ${after}`,
          presentTo(viewerId),
        ),
      )
      .orderBy(sql`${lowerUsername} using ~<~`)
      .limit(limit);
  }
}
