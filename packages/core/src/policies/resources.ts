import type { PhotoStatus, Role } from '@graminsta/contracts';

/** The account asking: its id, or null for an anonymous caller. */
export type Viewer = string | null;

/** The account a resource belongs to, where only who it is matters (uploads, comment moderation). */
export interface Owner {
  readonly id: string;
}

/**
 * An owner together with the viewer's standing towards it, loaded with the resource (see
 * StandingRepository), so the rules stay plain functions that never query.
 */
export interface OwnerStanding extends Owner {
  /** Posts, followers and following are for accepted followers only. */
  readonly private: boolean;
  /** Neither suspended nor deleted: an inactive account is gone for everyone. */
  readonly active: boolean;
  readonly viewerFollows: boolean;
  /** The owner blocked the viewer. */
  readonly blocksViewer: boolean;
  /** The viewer blocked the owner. */
  readonly blockedByViewer: boolean;
}

export interface PhotoResource {
  readonly kind: 'photo';
  readonly owner: OwnerStanding;
  readonly status: PhotoStatus;
}

export interface CommentResource {
  readonly kind: 'comment';
  readonly authorId: string;
  /** The owner of the photo the comment is on: it may moderate what is said under its photo. */
  readonly photoOwner: Owner;
}

export interface UploadResource {
  readonly kind: 'upload';
  readonly owner: Owner;
}

/** The moderation queue; the viewer's role is loaded with it, as a rule never queries. */
export interface ModerationResource {
  readonly kind: 'moderation';
  readonly viewerRole: Role | null;
}

/** An account: its profile and the lists hanging off it. */
export interface UserResource {
  readonly kind: 'user';
  readonly owner: OwnerStanding;
}

export type Resource = PhotoResource | CommentResource | UploadResource | ModerationResource | UserResource;

/** What may be done to each kind of resource. */
export interface Actions {
  // 'like' covers taking a like back: both need a photo that takes likes.
  photo: 'view' | 'edit' | 'delete' | 'like' | 'comment' | 'save' | 'avatar';
  comment: 'delete';
  upload: 'use';
  moderation: 'review' | 'resolve';
  user: 'view' | 'photos' | 'followers' | 'following';
}

export type Action<R extends Resource> = Actions[R['kind']];

/**
 * The standing of someone with no relation to `ownerId` and no knowledge of it: the strictest
 * there is. For checks where only ownership can pass (an avatar must be one's own photo).
 */
export const strangerTo = (ownerId: string): OwnerStanding => ({
  id: ownerId,
  private: true,
  active: false,
  viewerFollows: false,
  blocksViewer: true,
  blockedByViewer: true,
});

export const photoOf = (row: { status: PhotoStatus }, owner: OwnerStanding): PhotoResource => ({
  kind: 'photo',
  owner,
  status: row.status,
});

export const commentOf = (row: { authorId: string; photoOwnerId: string }): CommentResource => ({
  kind: 'comment',
  authorId: row.authorId,
  photoOwner: { id: row.photoOwnerId },
});

export const uploadOf = (row: { ownerId: string }): UploadResource => ({
  kind: 'upload',
  owner: { id: row.ownerId },
});

export const moderationOf = (viewer: { role: Role } | null): ModerationResource => ({
  kind: 'moderation',
  viewerRole: viewer?.role ?? null,
});
export const userOf = (owner: OwnerStanding): UserResource => ({ kind: 'user', owner });
