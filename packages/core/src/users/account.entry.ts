import type { Profile } from '@graminsta/contracts';
import type { OwnerStanding } from '../policies/resources.ts';
import { ordered } from '../policies/cache-keys.ts';

/**
 * An account as every viewer sees it (cached under `user:<id>`): the public fields of its row,
 * its counters, whether it is private and whether it is active. No secret (password hash,
 * e-mail) and nothing about any viewer. JSON only: `createdAt` is an ISO string.
 */
export type AccountEntry = {
  id: string;
  username: string;
  displayName: string;
  bio: string;
  avatarUrl: string | null;
  followerCount: number;
  followingCount: number;
  photoCount: number;
  private: boolean;
  /** Neither suspended nor deleted. */
  active: boolean;
  createdAt: string;
};

/** What one account of a pair does towards the other. */
export type PairSide = { follows: boolean; requested: boolean; blocks: boolean; mutes: boolean };

/** Two accounts towards each other (cached under `rel:<lo>:<hi>`, lo the smaller id): one entry serves both. */
export type PairEntry = { lo: PairSide; hi: PairSide };

/** The viewer's relation to one account: computed per request, for that viewer only. */
export interface Relation {
  viewerFollows: boolean;
  viewerRequested: boolean;
  viewerBlocks: boolean;
  viewerMutes: boolean;
  /** The account blocked the viewer. */
  blocksViewer: boolean;
}

/** No relation: an anonymous viewer, or the account itself. */
export const NO_RELATION: Relation = {
  viewerFollows: false,
  viewerRequested: false,
  viewerBlocks: false,
  viewerMutes: false,
  blocksViewer: false,
};

/** The pair entry read from `viewerId`'s side. */
export function relationFrom(pair: PairEntry, viewerId: string, otherId: string): Relation {
  const viewerIsLo = ordered(viewerId, otherId)[0] === viewerId;
  const mine = viewerIsLo ? pair.lo : pair.hi;
  const theirs = viewerIsLo ? pair.hi : pair.lo;
  return {
    viewerFollows: mine.follows,
    viewerRequested: mine.requested,
    viewerBlocks: mine.blocks,
    viewerMutes: mine.mutes,
    blocksViewer: theirs.blocks,
  };
}

/** What the policy decides on (OwnerStanding), from the shared account and the viewer's relation. */
export function standingOf(account: AccountEntry, relation: Relation): OwnerStanding {
  return {
    id: account.id,
    private: account.private,
    active: account.active,
    viewerFollows: relation.viewerFollows,
    blocksViewer: relation.blocksViewer,
    blockedByViewer: relation.viewerBlocks,
  };
}

export function toProfileOf(account: AccountEntry, relation: Relation, self: boolean): Profile {
  return {
    id: account.id,
    username: account.username,
    displayName: account.displayName,
    avatarUrl: account.avatarUrl,
    bio: account.bio,
    followerCount: account.followerCount,
    followingCount: account.followingCount,
    photoCount: account.photoCount,
    followedByMe: !self && relation.viewerFollows,
    requestedByMe: !self && relation.viewerRequested,
    blockedByMe: !self && relation.viewerBlocks,
    mutedByMe: !self && relation.viewerMutes,
    private: account.private,
    createdAt: account.createdAt,
  };
}
