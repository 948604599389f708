import type { Me, Profile, UserSummary } from '@graminsta/contracts';
import type { users } from '../db/schema.ts';

type UserRow = typeof users.$inferSelect;

export function toUserSummary(
  row: Pick<UserRow, 'id' | 'username' | 'displayName' | 'avatarUrl'>,
): UserSummary {
  return { id: row.id, username: row.username, displayName: row.displayName, avatarUrl: row.avatarUrl };
}

/** The viewer's standing towards a profile; all false for an anonymous viewer. */
export interface ViewerRelation {
  followedByMe: boolean;
  requestedByMe: boolean;
  blockedByMe: boolean;
  mutedByMe: boolean;
}

export const NO_RELATION: ViewerRelation = {
  followedByMe: false,
  requestedByMe: false,
  blockedByMe: false,
  mutedByMe: false,
};

export function toProfile(row: UserRow, relation: ViewerRelation): Profile {
  return {
    ...toUserSummary(row),
    bio: row.bio,
    followerCount: row.followerCount,
    followingCount: row.followingCount,
    photoCount: row.photoCount,
    ...relation,
    private: row.private,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The signed-in user's own account: its profile and what only its owner sees. */
export function toMe(row: UserRow): Me {
  return {
    ...toProfile(row, NO_RELATION),
    email: row.email,
    emailVerified: row.email !== null && row.emailVerifiedAt !== null,
    role: row.role,
  };
}
