import { eq, sql } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { blocks, followRequests, follows, mutes, users } from '../db/schema.ts';

/**
 * Writes the rows other features own (follows, follow requests, blocks, mutes, the private,
 * suspended and deleted marks) straight into the tables, so visibility tests set a standing
 * without going through those features' endpoints. Follows keep both counters true.
 */
export const standing = (db: Db) => ({
  async follow(followerId: string, followeeId: string): Promise<void> {
    await db.insert(follows).values({ followerId, followeeId });
    await db
      .update(users)
      .set({ followingCount: sql`${users.followingCount} + 1` })
      .where(eq(users.id, followerId));
    await db
      .update(users)
      .set({ followerCount: sql`${users.followerCount} + 1` })
      .where(eq(users.id, followeeId));
  },
  async request(requesterId: string, targetId: string): Promise<void> {
    await db.insert(followRequests).values({ requesterId, targetId });
  },
  async block(blockerId: string, blockedId: string): Promise<void> {
    await db.insert(blocks).values({ blockerId, blockedId });
  },
  async mute(muterId: string, mutedId: string): Promise<void> {
    await db.insert(mutes).values({ muterId, mutedId });
  },
  async makePrivate(userId: string, isPrivate = true): Promise<void> {
    await db.update(users).set({ private: isPrivate }).where(eq(users.id, userId));
  },
  async suspend(userId: string): Promise<void> {
    await db.update(users).set({ suspendedAt: new Date() }).where(eq(users.id, userId));
  },
  async markDeleted(userId: string): Promise<void> {
    await db.update(users).set({ deletedAt: new Date() }).where(eq(users.id, userId));
  },
  async makeModerator(userId: string): Promise<void> {
    await db.update(users).set({ role: 'moderator' }).where(eq(users.id, userId));
  },
});
