import { and, desc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { blocks, followRequests, follows, mutes, users } from '../db/schema.ts';
import { isActive } from '../policies/audience.sql.ts';
import type { FollowPosition } from './follow.repository.ts';
import type { ViewerRelation } from './user.presenter.ts';
import { summaryColumns, type UserSummaryRow } from './user.repository.ts';

export type FollowRequestRow = UserSummaryRow & { requestedMicros: string };

/** Follow requests, blocks and mutes: the rows the relationship writes own. */
export class RelationshipRepository {
  constructor(private readonly db: Db) {}

  /**
   * Locks both users' rows in id order and reads whether the target is private: a follow and the
   * owner's switch to public are serialised, and A→B with B→A at once cannot deadlock.
   */
  async lockPair(viewerId: string, targetId: string, tx: Db): Promise<{ targetPrivate: boolean }> {
    const rows = await tx
      .select({ id: users.id, private: users.private })
      .from(users)
      .where(inArray(users.id, [viewerId, targetId]))
      .orderBy(users.id)
      .for('update');
    return { targetPrivate: rows.find((r) => r.id === targetId)?.private ?? false };
  }

  async insertRequest(requesterId: string, targetId: string, tx: Db): Promise<boolean> {
    const rows = await tx
      .insert(followRequests)
      .values({ requesterId, targetId })
      .onConflictDoNothing()
      .returning({ requesterId: followRequests.requesterId });
    return rows.length > 0;
  }

  /** Returns true only when a pending request was really removed. */
  async deleteRequest(requesterId: string, targetId: string, tx: Db): Promise<boolean> {
    const rows = await tx
      .delete(followRequests)
      .where(and(eq(followRequests.requesterId, requesterId), eq(followRequests.targetId, targetId)))
      .returning({ requesterId: followRequests.requesterId });
    return rows.length > 0;
  }

  /** Removes every request pending for `targetId` and returns who had asked. */
  async takeAllRequests(targetId: string, tx: Db): Promise<string[]> {
    const rows = await tx
      .delete(followRequests)
      .where(eq(followRequests.targetId, targetId))
      .returning({ requesterId: followRequests.requesterId });
    return rows.map((r) => r.requesterId);
  }

  async hasRequest(requesterId: string, targetId: string, tx: Db = this.db): Promise<boolean> {
    const rows = await tx
      .select({ one: sql`1` })
      .from(followRequests)
      .where(and(eq(followRequests.requesterId, requesterId), eq(followRequests.targetId, targetId)));
    return rows.length > 0;
  }

  /** Who asked to follow `targetId`, newest request first (keyset on time, then requester id). */
  listRequests(
    targetId: string,
    after: FollowPosition | undefined,
    limit: number,
  ): Promise<FollowRequestRow[]> {
    const micros = sql<string>`((extract(epoch from ${followRequests.createdAt}) * 1000000)::bigint)::text`;
    const position = after
      ? sql`(${followRequests.createdAt}, ${followRequests.requesterId}) < ('epoch'::timestamptz + ${after.micros}::bigint * interval '1 microsecond', ${after.userId}::bigint)`
      : undefined;
    return (
      this.db
        .select({ ...summaryColumns, requestedMicros: micros })
        .from(followRequests)
        .innerJoin(users, eq(users.id, followRequests.requesterId))
        // A requester suspended or deleted since asking drops out of the list.
        .where(and(eq(followRequests.targetId, targetId), isActive(), position))
        .orderBy(desc(followRequests.createdAt), desc(followRequests.requesterId))
        .limit(limit)
    );
  }

  /**
   * Turns pending requesters into followers of `targetId` with both counters moved, users locked
   * in id order first; returns the requesters that really became followers.
   */
  async followAll(requesterIds: string[], targetId: string, tx: Db): Promise<string[]> {
    if (requesterIds.length === 0) return [];
    await tx
      .select({ id: users.id })
      .from(users)
      .where(inArray(users.id, [...requesterIds, targetId]))
      .orderBy(users.id)
      .for('update');
    const added = await tx
      .insert(follows)
      .values(requesterIds.map((followerId) => ({ followerId, followeeId: targetId })))
      .onConflictDoNothing()
      .returning({ followerId: follows.followerId });
    const ids = added.map((r) => r.followerId);
    if (ids.length === 0) return [];
    await tx
      .update(users)
      .set({ followingCount: sql`${users.followingCount} + 1` })
      .where(inArray(users.id, ids));
    await tx
      .update(users)
      .set({ followerCount: sql`${users.followerCount} + ${ids.length}` })
      .where(eq(users.id, targetId));
    return ids;
  }

  async insertBlock(blockerId: string, blockedId: string, tx: Db): Promise<void> {
    await tx.insert(blocks).values({ blockerId, blockedId }).onConflictDoNothing();
  }

  async deleteBlock(blockerId: string, blockedId: string, tx: Db = this.db): Promise<void> {
    await tx.delete(blocks).where(and(eq(blocks.blockerId, blockerId), eq(blocks.blockedId, blockedId)));
  }

  async isBlocked(blockerId: string, blockedId: string, tx: Db = this.db): Promise<boolean> {
    const rows = await tx
      .select({ one: sql`1` })
      .from(blocks)
      .where(and(eq(blocks.blockerId, blockerId), eq(blocks.blockedId, blockedId)));
    return rows.length > 0;
  }

  /** Removes the pending requests between two users, in both directions; returns the pairs removed. */
  async deleteRequestsBetween(a: string, b: string, tx: Db) {
    return tx
      .delete(followRequests)
      .where(
        or(
          and(eq(followRequests.requesterId, a), eq(followRequests.targetId, b)),
          and(eq(followRequests.requesterId, b), eq(followRequests.targetId, a)),
        ),
      )
      .returning({ requesterId: followRequests.requesterId, targetId: followRequests.targetId });
  }

  async insertMute(muterId: string, mutedId: string, tx: Db = this.db): Promise<void> {
    await tx.insert(mutes).values({ muterId, mutedId }).onConflictDoNothing();
  }

  async deleteMute(muterId: string, mutedId: string, tx: Db = this.db): Promise<void> {
    await tx.delete(mutes).where(and(eq(mutes.muterId, muterId), eq(mutes.mutedId, mutedId)));
  }

  /** The viewer's standing towards `userId` in one round trip (for a profile's relation fields). */
  async relationOf(viewerId: string, userId: string, tx: Db = this.db): Promise<ViewerRelation> {
    const exists = (table: string, a: string, b: string) =>
      sql<boolean>`exists (select 1 from ${sql.identifier(table)} where ${sql.identifier(a)} = ${viewerId} and ${sql.identifier(b)} = ${userId})`;
    const [row] = await tx
      .select({
        followedByMe: exists('follows', 'follower_id', 'followee_id'),
        requestedByMe: exists('follow_requests', 'requester_id', 'target_id'),
        blockedByMe: exists('blocks', 'blocker_id', 'blocked_id'),
        mutedByMe: exists('mutes', 'muter_id', 'muted_id'),
      })
      .from(users)
      .where(eq(users.id, userId));
    return {
      followedByMe: row?.followedByMe ?? false,
      requestedByMe: row?.requestedByMe ?? false,
      blockedByMe: row?.blockedByMe ?? false,
      mutedByMe: row?.mutedByMe ?? false,
    };
  }
}
