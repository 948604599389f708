import { sql, type SQL } from 'drizzle-orm';
import { blocks, follows, mutes, users } from '../db/schema.ts';

/**
 * The policy's audience rules (policy.ts, audienceOf) as SQL conditions, for the lists: the one
 * module every listing query takes them from. Each probe is a NOT EXISTS / EXISTS on a primary
 * key (blocks, mutes, follows), so a page costs a few index lookups per row, never a scan.
 *
 * `viewer` is a value or a placeholder; null (signed out) matches no follow, block or mute row.
 * `owner` names the owning account's id column in the outer query.
 */
type Ref = unknown;

/** The `users` row the outer query joined for the owner: its columns the rules read. */
export interface OwnerColumns {
  id: Ref;
  private: Ref;
  suspendedAt: Ref;
  deletedAt: Ref;
}

export const joinedOwner: OwnerColumns = {
  id: users.id,
  private: users.private,
  suspendedAt: users.suspendedAt,
  deletedAt: users.deletedAt,
};

/** Neither suspended nor deleted. */
export function isActive(owner: Pick<OwnerColumns, 'suspendedAt' | 'deletedAt'> = joinedOwner): SQL {
  return sql`(${owner.suspendedAt} is null and ${owner.deletedAt} is null)`;
}

/** `blocker` blocked `blocked` (the blocks primary key). */
export function blocking(blocker: Ref, blocked: Ref): SQL<boolean> {
  return sql<boolean>`exists (select 1 from ${blocks} bk where bk.blocker_id = ${blocker} and bk.blocked_id = ${blocked})`;
}

/** No block between the two accounts, whichever blocked whom. */
export function notBlockedWith(viewer: Ref, owner: Ref): SQL {
  return sql`(not ${blocking(viewer, owner)} and not ${blocking(owner, viewer)})`;
}

/** `follower` follows `followee` (accepted: a pending request is no follows row). */
export function following(follower: Ref, followee: Ref): SQL<boolean> {
  return sql<boolean>`exists (select 1 from ${follows} fw where fw.follower_id = ${follower} and fw.followee_id = ${followee})`;
}

/** `muter` muted `muted` (the mutes primary key). */
export function muting(muter: Ref, muted: Ref): SQL<boolean> {
  return sql<boolean>`exists (select 1 from ${mutes} mt where mt.muter_id = ${muter} and mt.muted_id = ${muted})`;
}

export function notMuted(viewer: Ref, owner: Ref): SQL {
  return sql`not ${muting(viewer, owner)}`;
}

/** The account is there for the viewer at all: active, and no block either way. */
export function presentTo(viewer: Ref, owner: OwnerColumns = joinedOwner): SQL {
  return sql`(${isActive(owner)} and ${notBlockedWith(viewer, owner.id)})`;
}

/**
 * The viewer may see the owner's posts (and followers, following): the policy's 'owner' or
 * 'sees'. A private account's content shows to its owner and its followers only.
 */
export function visibleTo(viewer: Ref, owner: OwnerColumns = joinedOwner): SQL {
  return sql`(${presentTo(viewer, owner)} and (not ${owner.private} or ${owner.id} = ${viewer} or ${following(viewer, owner.id)}))`;
}

/** The viewer's standing towards the owner, as columns beside its row (see OwnerStanding). */
export function standingColumns(viewer: Ref, owner: OwnerColumns = joinedOwner) {
  return {
    private: sql<boolean>`${owner.private}`,
    active: sql<boolean>`${isActive(owner)}`,
    viewerFollows: following(viewer, owner.id),
    blocksViewer: blocking(owner.id, viewer),
    blockedByViewer: blocking(viewer, owner.id),
  };
}

/** The notification kinds a mute silences (DESIGN: a mute hides from feed and notifications only). */
export const MUTABLE_NOTIFICATIONS: ReadonlySet<string> = new Set(['like', 'comment', 'follow', 'mention']);
