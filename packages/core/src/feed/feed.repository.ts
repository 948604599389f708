import { and, desc, eq, getTableColumns, lt, sql } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { follows, photoTags, photos, users } from '../db/schema.ts';
import { mediaOf, photoWithOwnerColumns, type PhotoWithOwner } from '../photos/photo.repository.ts';
import { summaryColumns } from '../users/user.repository.ts';

const ready = eq(photos.status, 'ready');
const before = (id: string | undefined) => (id === undefined ? undefined : lt(photos.id, id));

/** Which photos make up each feed; presentation is shared with single photos. */
export class FeedRepository {
  constructor(private readonly db: Db) {}

  /**
   * Ready photos of the accounts `userId` follows, and their own, newest first.
   * For each author a LATERAL subquery reads at most `limit` rows from photos_owner_idx,
   * so a page costs (authors × limit) index entries however old the rest of the history is.
   */
  homeQuery(userId: string, beforeId: string | undefined, limit: number) {
    const authors = this.db
      .select({ authorId: sql<string>`${follows.followeeId}`.as('author_id') })
      .from(follows)
      .where(eq(follows.followerId, userId))
      .unionAll(
        this.db
          .select({ authorId: sql<string>`${users.id}`.as('author_id') })
          .from(users)
          .where(eq(users.id, userId)),
      )
      .as('authors');
    const recent = this.db
      .select(getTableColumns(photos))
      .from(photos)
      // Qualified by hand: drizzle would print a bare "author_id" inside the lateral subquery.
      .where(and(sql`${photos.ownerId} = "authors"."author_id"`, ready, before(beforeId)))
      .orderBy(desc(photos.id))
      .limit(limit)
      .as('recent');
    // The lateral rows already are whole photos: joining photos again by id would let the
    // planner walk the primary key backwards through the whole table.
    return this.db
      .select({
        photo: recent._.selectedFields,
        owner: summaryColumns,
        media: mediaOf({ table: 'recent', column: 'id' }),
      })
      .from(authors)
      .crossJoinLateral(recent)
      .innerJoin(users, eq(users.id, recent.ownerId))
      .orderBy(desc(recent.id))
      .limit(limit);
  }

  async home(userId: string, beforeId: string | undefined, limit: number): Promise<PhotoWithOwner[]> {
    return this.homeQuery(userId, beforeId, limit);
  }

  /** Every ready photo, newest first (photos_ready_idx, a partial index on id). */
  exploreQuery(beforeId: string | undefined, limit: number) {
    return this.db
      .select(photoWithOwnerColumns)
      .from(photos)
      .innerJoin(users, eq(users.id, photos.ownerId))
      .where(and(ready, before(beforeId)))
      .orderBy(desc(photos.id))
      .limit(limit);
  }

  /** Ready photos carrying `tag`, newest first: the (tag, photo_id) key of photo_tags is already in order. */
  tagQuery(tag: string, beforeId: string | undefined, limit: number) {
    return this.db
      .select(photoWithOwnerColumns)
      .from(photoTags)
      .innerJoin(photos, eq(photos.id, photoTags.photoId))
      .innerJoin(users, eq(users.id, photos.ownerId))
      .where(
        and(
          eq(photoTags.tag, tag),
          ready,
          beforeId === undefined ? undefined : lt(photoTags.photoId, beforeId),
        ),
      )
      .orderBy(desc(photoTags.photoId))
      .limit(limit);
  }

  async explore(beforeId: string | undefined, limit: number): Promise<PhotoWithOwner[]> {
    return this.exploreQuery(beforeId, limit);
  }

  async tag(tag: string, beforeId: string | undefined, limit: number): Promise<PhotoWithOwner[]> {
    return this.tagQuery(tag, beforeId, limit);
  }
}
