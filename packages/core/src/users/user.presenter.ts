import type { Profile, UserSummary } from '@graminsta/contracts';
import type { users } from '../db/schema.ts';

type UserRow = typeof users.$inferSelect;

export function toUserSummary(
  row: Pick<UserRow, 'id' | 'username' | 'displayName' | 'avatarUrl'>,
): UserSummary {
  return { id: row.id, username: row.username, displayName: row.displayName, avatarUrl: row.avatarUrl };
}

export function toProfile(row: UserRow, followedByMe: boolean): Profile {
  return {
    ...toUserSummary(row),
    bio: row.bio,
    followerCount: row.followerCount,
    followingCount: row.followingCount,
    photoCount: row.photoCount,
    followedByMe,
    createdAt: row.createdAt.toISOString(),
  };
}
