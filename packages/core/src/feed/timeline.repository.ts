import { and, desc, eq, lt, or, sql, type Placeholder } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { follows, photos, users } from '../db/schema.ts';
import { following, isActive, notBlockedWith, notMuted } from '../policies/audience.sql.ts';
import { photoWithOwnerColumns, viewerFlagsOf, type PhotoWithOwner } from '../photos/photo.repository.ts';

type Param<T> = T | Placeholder;

/** Above every id: the "before" of a first page, so one prepared statement serves every page. */
export const NO_CURSOR = (2n ** 63n - 1n).toString();

const p = {
  viewerId: sql.placeholder('viewerId'),
  ids: sql.placeholder('ids'),
  before: sql.placeholder('before'),
  limit: sql.placeholder('limit'),
  celebrity: sql.placeholder('celebrity'),
  authorId: sql.placeholder('authorId'),
  after: sql.placeholder('after'),
};

/**
 * The SQL of materialised home timelines (feed.service.ts with TIMELINES=on): a page of posts
 * from ids a timeline named plus the posts merged at read time, the rebuild of a timeline, and
 * the followers a post fans out to. Each is a named prepared statement.
 */
export class TimelineRepository {
  private readonly prepared;

  constructor(private readonly db: Db) {
    this.prepared = {
      page: this.pageQuery(p.viewerId, p.ids, p.before, p.limit, p.celebrity).prepare('feed_home_timeline'),
      rebuild: this.rebuildQuery(p.viewerId, p.limit).prepare('feed_home_rebuild'),
      followers: this.followersQuery(p.authorId, p.after, p.limit).prepare('feed_fanout_followers'),
      author: this.db
        .select({ ownerId: photos.ownerId, followerCount: users.followerCount, status: photos.status })
        .from(photos)
        .innerJoin(users, eq(users.id, photos.ownerId))
        .where(eq(photos.id, sql`${p.authorId}`))
        .prepare('feed_fanout_author'),
    };
  }

  /**
   * The viewer's newest visible posts below `before`, from two sources of candidates: the ids of
   * their timeline, and, read now, the viewer's own posts and those of followed accounts with at
   * least `celebrity` followers (never fanned out), at most `limit` each from photos_owner_idx.
   * Every rule is applied here, whatever put an id in the timeline: ready, owner active, and for
   * another's post a follows row (so an unfollow or a private account hides it), no mute, no block
   * either way. A timeline id the rules hide just drops out; the caller over-fetches.
   */
  pageQuery(
    viewerId: Param<string>,
    ids: Param<string>,
    before: Param<string>,
    limit: Param<number>,
    celebrity: Param<number>,
  ) {
    // `= any(array(…))`: the candidates are gathered first, then each post is one photos_pkey
    // probe; a join would let the planner hash the whole photos table. The celebrity test is a
    // probe per followed account (users_pkey): users has no index on follower_count to scan.
    const candidates = sql`array(
      select unnest(${ids}::bigint[])
      union
      select r.id from (
        select ${viewerId}::bigint as author_id
        union all
        select f.followee_id from ${follows} f
        where f.follower_id = ${viewerId}
          and (select cu.follower_count from ${users} cu where cu.id = f.followee_id) >= ${celebrity}
      ) a cross join lateral (
        select rp.id from ${photos} rp
        where rp.owner_id = a.author_id and rp.status = 'ready' and rp.id < ${before}
        order by rp.id desc limit ${limit}
      ) r
    )`;
    return this.db
      .select({
        ...photoWithOwnerColumns,
        viewer: viewerFlagsOf({ table: 'photos', column: 'id' }, viewerId),
      })
      .from(photos)
      .innerJoin(users, eq(users.id, photos.ownerId))
      .where(
        and(
          sql`${photos.id} = any(${candidates})`,
          eq(photos.status, 'ready'),
          lt(photos.id, before),
          isActive(),
          or(
            eq(photos.ownerId, viewerId),
            and(
              following(viewerId, users.id),
              notMuted(viewerId, users.id),
              notBlockedWith(viewerId, users.id),
            ),
          ),
        ),
      )
      .orderBy(desc(photos.id))
      .limit(limit);
  }

  /**
   * The newest `limit` ready posts of every account the viewer follows (celebrities included, so a
   * rebuilt timeline is whole), ids only: what a missing timeline is rebuilt from. Rules are left
   * to the page query, so a later unmute needs no rebuild.
   */
  rebuildQuery(viewerId: Param<string>, limit: Param<number>) {
    const recent = this.db
      .select({ id: photos.id })
      .from(photos)
      // Qualified by hand: drizzle prints columns bare inside a one-table subquery.
      .where(and(sql`${photos.ownerId} = "follows"."followee_id"`, eq(photos.status, 'ready')))
      .orderBy(desc(photos.id))
      .limit(limit)
      .as('recent');
    return this.db
      .select({ id: recent.id })
      .from(follows)
      .crossJoinLateral(recent)
      .where(eq(follows.followerId, viewerId))
      .orderBy(desc(recent.id))
      .limit(limit);
  }

  /** One batch of an author's followers after `after`, in id order (follows_followee_idx). */
  followersQuery(authorId: Param<string>, after: Param<string>, limit: Param<number>) {
    return this.db
      .select({ id: follows.followerId })
      .from(follows)
      .where(and(eq(follows.followeeId, authorId), sql`${follows.followerId} > ${after}`))
      .orderBy(follows.followerId)
      .limit(limit);
  }

  async page(
    viewerId: string,
    ids: readonly string[],
    before: string | undefined,
    limit: number,
    celebrity: number,
  ): Promise<PhotoWithOwner[]> {
    return this.prepared.page.execute({
      viewerId,
      ids: `{${ids.join(',')}}`,
      before: before ?? NO_CURSOR,
      limit,
      celebrity,
    });
  }

  async rebuild(viewerId: string, limit: number): Promise<string[]> {
    const rows = await this.prepared.rebuild.execute({ viewerId, limit });
    return rows.map((r) => r.id);
  }

  async followers(authorId: string, after: string, limit: number): Promise<string[]> {
    const rows = await this.prepared.followers.execute({ authorId, after, limit });
    return rows.map((r) => r.id);
  }

  /** The post's author and their follower count, when the post is ready. */
  async readyPostAuthor(photoId: string): Promise<{ ownerId: string; followerCount: number } | null> {
    const [row] = await this.prepared.author.execute({ authorId: photoId });
    return row && row.status === 'ready' ? { ownerId: row.ownerId, followerCount: row.followerCount } : null;
  }
}
