import { and, desc, eq, getTableColumns, lt, sql, type Placeholder } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { follows, photoTags, photos, users } from '../db/schema.ts';
import { isActive, notBlockedWith, notMuted, visibleTo } from '../policies/audience.sql.ts';
import {
  mediaOf,
  photoWithOwnerColumns,
  viewerFlagsOf,
  type PhotoWithOwner,
} from '../photos/photo.repository.ts';
import { summaryColumns } from '../users/user.repository.ts';

/** A value the query is built with, or a placeholder filled in when a prepared statement runs. */
type Param<T> = T | Placeholder;

const ready = eq(photos.status, 'ready');
const photosId = { table: 'photos', column: 'id' };
const before = (id: Param<string> | undefined) => (id === undefined ? undefined : lt(photos.id, id));
const p = {
  userId: sql.placeholder('userId'),
  viewerId: sql.placeholder('viewerId'),
  tag: sql.placeholder('tag'),
  before: sql.placeholder('before'),
  limit: sql.placeholder('limit'),
};

/**
 * Which photos make up each feed; presentation is shared with single photos.
 *
 * The three feeds are the site's hottest reads, so each runs as a named prepared statement, one
 * for the first page and one for the pages after a cursor: the query is built once per process
 * instead of once per request, and PostgreSQL parses it once per connection. Each row carries
 * the viewer's like and save of the post (viewerFlagsOf), so a page is one statement.
 */
export class FeedRepository {
  private readonly prepared;

  constructor(private readonly db: Db) {
    this.prepared = {
      home: this.homeQuery(p.userId, undefined, p.limit).prepare('feed_home'),
      homeBefore: this.homeQuery(p.userId, p.before, p.limit).prepare('feed_home_before'),
      explore: this.exploreQuery(p.viewerId, undefined, p.limit).prepare('feed_explore'),
      exploreBefore: this.exploreQuery(p.viewerId, p.before, p.limit).prepare('feed_explore_before'),
      tag: this.tagQuery(p.viewerId, p.tag, undefined, p.limit).prepare('feed_tag'),
      tagBefore: this.tagQuery(p.viewerId, p.tag, p.before, p.limit).prepare('feed_tag_before'),
    };
  }

  /**
   * Ready photos of the accounts `userId` follows, and their own, newest first.
   * For each author a LATERAL subquery reads at most `limit` rows from photos_owner_idx,
   * so a page costs (authors × limit) index entries however old the rest of the history is.
   * Muted and blocked authors leave the list of authors before any of their photos is read.
   */
  homeQuery(userId: Param<string>, beforeId: Param<string> | undefined, limit: Param<number>) {
    const authors = this.db
      .select({ authorId: sql<string>`${follows.followeeId}`.as('author_id') })
      .from(follows)
      .where(
        and(
          eq(follows.followerId, userId),
          notMuted(userId, follows.followeeId),
          notBlockedWith(userId, follows.followeeId),
        ),
      )
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
        viewer: viewerFlagsOf({ table: 'recent', column: 'id' }, userId),
      })
      .from(authors)
      .crossJoinLateral(recent)
      .innerJoin(users, eq(users.id, recent.ownerId))
      .where(isActive())
      .orderBy(desc(recent.id))
      .limit(limit);
  }

  async home(userId: string, beforeId: string | undefined, limit: number): Promise<PhotoWithOwner[]> {
    return beforeId === undefined
      ? this.prepared.home.execute({ userId, limit })
      : this.prepared.homeBefore.execute({ userId, before: beforeId, limit });
  }

  /** Every ready photo the viewer may see, newest first (photos_ready_idx, a partial index on id). */
  exploreQuery(viewerId: Param<string | null>, beforeId: Param<string> | undefined, limit: Param<number>) {
    return this.db
      .select({ ...photoWithOwnerColumns, viewer: viewerFlagsOf(photosId, viewerId) })
      .from(photos)
      .innerJoin(users, eq(users.id, photos.ownerId))
      .where(and(ready, before(beforeId), visibleTo(viewerId)))
      .orderBy(desc(photos.id))
      .limit(limit);
  }

  /** Ready photos carrying `tag` the viewer may see, newest first: the (tag, photo_id) key of photo_tags is already in order. */
  tagQuery(
    viewerId: Param<string | null>,
    tag: Param<string>,
    beforeId: Param<string> | undefined,
    limit: Param<number>,
  ) {
    return this.db
      .select({ ...photoWithOwnerColumns, viewer: viewerFlagsOf(photosId, viewerId) })
      .from(photoTags)
      .innerJoin(photos, eq(photos.id, photoTags.photoId))
      .innerJoin(users, eq(users.id, photos.ownerId))
      .where(
        and(
          eq(photoTags.tag, tag),
          ready,
          visibleTo(viewerId),
          beforeId === undefined ? undefined : lt(photoTags.photoId, beforeId),
        ),
      )
      .orderBy(desc(photoTags.photoId))
      .limit(limit);
  }

  async explore(
    viewerId: string | null,
    beforeId: string | undefined,
    limit: number,
  ): Promise<PhotoWithOwner[]> {
    return beforeId === undefined
      ? this.prepared.explore.execute({ viewerId, limit })
      : this.prepared.exploreBefore.execute({ viewerId, before: beforeId, limit });
  }

  async tag(
    viewerId: string | null,
    tag: string,
    beforeId: string | undefined,
    limit: number,
  ): Promise<PhotoWithOwner[]> {
    return beforeId === undefined
      ? this.prepared.tag.execute({ viewerId, tag, limit })
      : this.prepared.tagBefore.execute({ viewerId, tag, before: beforeId, limit });
  }
}
