import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { follows, users } from '../db/schema.ts';
import { presentTo } from '../policies/audience.sql.ts';
import { summaryColumns, type UserSummaryRow } from './user.repository.ts';

/** Keyset position in a follow list: when the follow happened (µs since epoch) and the other user's id. */
export interface FollowPosition {
  micros: string;
  userId: string;
}

export type FollowListRow = UserSummaryRow & { followedMicros: string };

type Side = 'followers' | 'following';

export class FollowRepository {
  constructor(private readonly db: Db) {}

  /** Returns true only when a row was really inserted (a repeated follow inserts nothing). */
  async insert(followerId: string, followeeId: string, tx: Db): Promise<boolean> {
    const rows = await tx
      .insert(follows)
      .values({ followerId, followeeId })
      .onConflictDoNothing()
      .returning({ followerId: follows.followerId });
    return rows.length > 0;
  }

  /** Returns true only when a row was really deleted. */
  async delete(followerId: string, followeeId: string, tx: Db): Promise<boolean> {
    const rows = await tx
      .delete(follows)
      .where(and(eq(follows.followerId, followerId), eq(follows.followeeId, followeeId)))
      .returning({ followerId: follows.followerId });
    return rows.length > 0;
  }

  /**
   * Moves both counters by `delta` and returns the followee's new follower count.
   * Rows are updated in id order so that A→B and B→A at once cannot deadlock.
   */
  async adjustCounts(followerId: string, followeeId: string, delta: 1 | -1, tx: Db): Promise<number> {
    const updates = [
      { id: followerId, set: { followingCount: sql`${users.followingCount} + ${delta}` } },
      { id: followeeId, set: { followerCount: sql`${users.followerCount} + ${delta}` } },
    ].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    let followerCount = 0;
    for (const u of updates) {
      const [row] = await tx
        .update(users)
        .set(u.set)
        .where(eq(users.id, u.id))
        .returning({ followerCount: users.followerCount });
      if (u.id === followeeId) followerCount = row?.followerCount ?? 0;
    }
    return followerCount;
  }

  async isFollowing(followerId: string, followeeId: string, tx: Db = this.db): Promise<boolean> {
    const rows = await tx
      .select({ one: sql`1` })
      .from(follows)
      .where(and(eq(follows.followerId, followerId), eq(follows.followeeId, followeeId)));
    return rows.length > 0;
  }

  /**
   * Who follows `userId` (side 'followers') or whom `userId` follows ('following'), newest follow
   * first, without accounts gone or blocked either way with the viewer.
   */
  async list(
    side: Side,
    userId: string,
    viewerId: string | null,
    after: FollowPosition | undefined,
    limit: number,
  ): Promise<FollowListRow[]> {
    const [self, other] =
      side === 'followers'
        ? [follows.followeeId, follows.followerId]
        : [follows.followerId, follows.followeeId];
    const micros = sql<string>`((extract(epoch from ${follows.createdAt}) * 1000000)::bigint)::text`;
    const position = after
      ? sql`(${follows.createdAt}, ${other}) < ('epoch'::timestamptz + ${after.micros}::bigint * interval '1 microsecond', ${after.userId}::bigint)`
      : undefined;
    return this.db
      .select({ ...summaryColumns, followedMicros: micros })
      .from(follows)
      .innerJoin(users, eq(users.id, other))
      .where(and(eq(self, userId), position, presentTo(viewerId)))
      .orderBy(desc(follows.createdAt), desc(other))
      .limit(limit);
  }
}
