import { and, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
import type { PhotoStatus } from '@graminsta/contracts';
import type { Db } from '@graminsta/platform';
import { comments, likes, notifications, photoMedia, photoTags, photos, saves, users } from '../db/schema.ts';
import { standingColumns } from '../policies/audience.sql.ts';
import type { OwnerStanding } from '../policies/resources.ts';
import { summaryColumns, type UserSummaryRow } from '../users/user.repository.ts';

export type PhotoRow = typeof photos.$inferSelect;
export type MediaRow = typeof photoMedia.$inferSelect;
export type StoredVariants = NonNullable<MediaRow['variants']>;

/** One item of a post as the listing queries carry it (JSON from the database, ids as strings). */
export interface StoredMedia {
  id: string;
  position: number;
  altText: string;
  status: PhotoStatus;
  failureReason: string | null;
  sourceKey: string;
  variants: StoredVariants | null;
  placeholderColor: string | null;
  width: number | null;
  height: number | null;
}

/** A post with the summary of its owner and its items in order: what every presentation needs. */
export interface PhotoWithOwner {
  photo: PhotoRow;
  owner: UserSummaryRow;
  media: StoredMedia[];
  /** Whether the viewer likes and saved it, when the query that found it also asked (the feeds do). */
  viewer?: { liked: boolean; saved: boolean };
}

/**
 * A post's items in order, as one JSON array computed beside each row (photo_media_photo_idx):
 * a page of posts costs the same number of queries as before posts had several photos. Each
 * item travels as a JSON array of its columns, not an object: PostgreSQL builds a page of 60
 * items as arrays in half the time it takes as objects (it writes no key names), and
 * `toStoredMedia` names them again. Ids are cast to text, as JSON numbers would lose the low bits
 * of a 64-bit id. `photoId` names the outer query's column with its table (drizzle prints a column
 * bare when a query has one table, and a bare "id" in here would be the item's own).
 */
export function mediaOf(photoId: { table: string; column: string }): SQL<StoredMedia[]> {
  const outer = sql`${sql.identifier(photoId.table)}.${sql.identifier(photoId.column)}`;
  const columns = sql.join(
    MEDIA_COLUMNS.map(([, column]) => column),
    sql`, `,
  );
  return sql<StoredMedia[]>`(
    select coalesce(json_agg(json_build_array(${columns}) order by m.position), '[]'::json)
    from ${photoMedia} m where m.photo_id = ${outer})`.mapWith(toStoredMedia);
}

/** Each field of StoredMedia and the column of photo_media `m` it comes from, in the order mediaOf sends them. */
const MEDIA_COLUMNS: ReadonlyArray<readonly [keyof StoredMedia, SQL]> = [
  ['id', sql`m.id::text`],
  ['position', sql`m.position`],
  ['altText', sql`m.alt_text`],
  ['status', sql`m.status`],
  ['failureReason', sql`m.failure_reason`],
  ['sourceKey', sql`m.source_key`],
  ['variants', sql`m.variants`],
  ['placeholderColor', sql`m.placeholder_color`],
  ['width', sql`m.width`],
  ['height', sql`m.height`],
];

function toStoredMedia(value: unknown): StoredMedia[] {
  // Both drivers parse json columns; a string would be a driver configured not to.
  const tuples = (typeof value === 'string' ? JSON.parse(value) : value) as unknown[][];
  return tuples.map(
    (tuple) =>
      Object.fromEntries(MEDIA_COLUMNS.map(([name], i) => [name, tuple[i]])) as unknown as StoredMedia,
  );
}

/**
 * Whether `viewerId` likes and saved the outer query's post, as two index probes beside each row
 * (the likes primary key, saves_user_photo_idx): a feed page needs no query of its own for them.
 * A null viewer (signed out) matches nothing.
 */
export function viewerFlagsOf(photoId: { table: string; column: string }, viewerId: unknown) {
  const outer = sql`${sql.identifier(photoId.table)}.${sql.identifier(photoId.column)}`;
  return {
    liked: sql<boolean>`exists (select 1 from ${likes} l where l.photo_id = ${outer} and l.user_id = ${viewerId})`,
    saved: sql<boolean>`exists (select 1 from ${saves} s where s.user_id = ${viewerId} and s.photo_id = ${outer})`,
  };
}

/** The select list of PhotoWithOwner; other repositories (feed) reuse it with their own FROM/WHERE. */
export const photoWithOwnerColumns = {
  photo: photos,
  owner: summaryColumns,
  media: mediaOf({ table: 'photos', column: 'id' }),
};

/** What a viewer has done to each post of a page: one query for likes and saves together. */
export interface ViewerState {
  liked: Set<string>;
  saved: Set<string>;
}

export class PhotoRepository {
  constructor(private readonly db: Db) {}

  async insert(values: { ownerId: string; caption: string }, tx: Db) {
    const [row] = await tx.insert(photos).values(values).returning();
    return row!;
  }

  /** The post's items, in the order given. */
  async insertMedia(
    photoId: string,
    ownerId: string,
    items: ReadonlyArray<{ altText: string; sourceKey: string }>,
    tx: Db,
  ): Promise<MediaRow[]> {
    return tx
      .insert(photoMedia)
      .values(items.map((item, position) => ({ photoId, ownerId, position, ...item })))
      .returning();
  }

  /** A post's items in order. */
  async mediaRows(photoId: string, tx: Db = this.db): Promise<MediaRow[]> {
    return tx.select().from(photoMedia).where(eq(photoMedia.photoId, photoId)).orderBy(photoMedia.position);
  }

  /** Sets each item's position (its index in `items`) and, when given, its alt text. */
  async arrangeMedia(
    photoId: string,
    items: ReadonlyArray<{ id: string; altText?: string }>,
    tx: Db,
  ): Promise<void> {
    for (const [position, item] of items.entries()) {
      await tx
        .update(photoMedia)
        .set({ position, ...(item.altText === undefined ? {} : { altText: item.altText }) })
        .where(and(eq(photoMedia.id, item.id), eq(photoMedia.photoId, photoId)));
    }
  }

  async setCaption(photoId: string, caption: string, tx: Db): Promise<void> {
    await tx.update(photos).set({ caption }).where(eq(photos.id, photoId));
    await tx.delete(photoTags).where(eq(photoTags.photoId, photoId));
  }

  async markEdited(photoId: string, at: Date, tx: Db): Promise<void> {
    await tx.update(photos).set({ editedAt: at }).where(eq(photos.id, photoId));
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

  /** The post with its owner and the viewer's standing towards the owner: one statement for a photo page. */
  async findForViewer(
    id: string,
    viewerId: string | null,
  ): Promise<{ row: PhotoWithOwner; standing: OwnerStanding } | null> {
    const [found] = await this.db
      .select({ ...photoWithOwnerColumns, standing: standingColumns(viewerId) })
      .from(photos)
      .innerJoin(users, eq(users.id, photos.ownerId))
      .where(eq(photos.id, id));
    if (!found) return null;
    const { standing, ...row } = found;
    return { row, standing: { id: row.photo.ownerId, ...standing } };
  }

  /** Locks the row: likes, comments and a concurrent delete queue behind this transaction. */
  async lock(id: string, tx: Db, strength: 'update' | 'share' = 'update'): Promise<PhotoRow | null> {
    const [row] = await tx.select().from(photos).where(eq(photos.id, id)).for(strength);
    return row ?? null;
  }

  /** Deletes the post and every row that hangs off it; the caller holds the row lock. */
  async deleteWithDependents(photo: PhotoRow, tx: Db): Promise<void> {
    await tx.delete(likes).where(eq(likes.photoId, photo.id));
    await tx.delete(saves).where(eq(saves.photoId, photo.id));
    await tx.delete(comments).where(eq(comments.photoId, photo.id));
    await tx.delete(photoTags).where(eq(photoTags.photoId, photo.id));
    // The owner's like and comment notifications, and mentions sent to others (notifications_photo_idx).
    await tx.delete(notifications).where(eq(notifications.photoId, photo.id));
    await tx.delete(photoMedia).where(eq(photoMedia.photoId, photo.id));
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

  /** An item processing → ready; false when it is gone (its post deleted) or no longer processing. */
  async markMediaReady(
    mediaId: string,
    result: { variants: StoredVariants; placeholderColor: string; width: number; height: number },
  ): Promise<boolean> {
    const rows = await this.db
      .update(photoMedia)
      .set({ ...result, status: 'ready', failureReason: null })
      .where(and(eq(photoMedia.id, mediaId), eq(photoMedia.status, 'processing')))
      .returning({ id: photoMedia.id });
    return rows.length > 0;
  }

  async markMediaFailed(mediaId: string, reason: string): Promise<void> {
    await this.db
      .update(photoMedia)
      .set({ status: 'failed', failureReason: reason })
      .where(and(eq(photoMedia.id, mediaId), eq(photoMedia.status, 'processing')));
  }

  /** The post processing → ready once every item is; false when it is not (yet), gone or done. */
  async markReady(id: string, tx: Db = this.db): Promise<boolean> {
    const unready = sql`exists (select 1 from ${photoMedia} where ${photoMedia.photoId} = ${id} and ${photoMedia.status} <> 'ready')`;
    const rows = await tx
      .update(photos)
      .set({ status: 'ready', failureReason: null })
      .where(and(eq(photos.id, id), eq(photos.status, 'processing'), sql`not ${unready}`))
      .returning({ id: photos.id });
    return rows.length > 0;
  }

  /** processing → failed; false when the post is gone or no longer processing. */
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

  /** Which of `photoIds` the viewer likes and which it saved: one query for a whole page. */
  async viewerState(viewerId: string, photoIds: string[]): Promise<ViewerState> {
    const state: ViewerState = { liked: new Set(), saved: new Set() };
    if (photoIds.length === 0) return state;
    // Every listed page runs this: a prepared statement, built once (see FeedRepository).
    this.viewerStateQuery ??= this.buildViewerStateQuery();
    const rows = await this.viewerStateQuery.execute({ viewerId, photoIds });
    for (const row of rows) (row.kind === 'like' ? state.liked : state.saved).add(row.photoId);
    return state;
  }

  private viewerStateQuery?: ReturnType<PhotoRepository['buildViewerStateQuery']>;

  private buildViewerStateQuery() {
    const viewer = sql.placeholder('viewerId');
    const ids = sql`${sql.placeholder('photoIds')}::bigint[]`;
    return this.db
      .select({ photoId: likes.photoId, kind: sql<'like' | 'save'>`'like'` })
      .from(likes)
      .where(and(eq(likes.userId, viewer), sql`${likes.photoId} = any(${ids})`))
      .unionAll(
        this.db
          .select({ photoId: saves.photoId, kind: sql<'like' | 'save'>`'save'` })
          .from(saves)
          .where(and(eq(saves.userId, viewer), sql`${saves.photoId} = any(${ids})`)),
      )
      .prepare('photo_viewer_state');
  }
}
