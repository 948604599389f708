import type { PhotoStatus, Role } from '@graminsta/contracts';

/** The account asking: its id, or null for an anonymous caller. */
export type Viewer = string | null;

/**
 * The account a resource belongs to. What a rule needs to know about the viewer's standing
 * towards it (a private account the viewer follows, a block: issue 11) belongs here, loaded
 * with the resource, so the rules stay plain functions that never query.
 */
export interface Owner {
  readonly id: string;
}

export interface PhotoResource {
  readonly kind: 'photo';
  readonly owner: Owner;
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

export type Resource = PhotoResource | CommentResource | UploadResource | ModerationResource;

/** What may be done to each kind of resource. */
export interface Actions {
  // 'like' covers taking a like back: both need a photo that takes likes.
  photo: 'view' | 'edit' | 'delete' | 'like' | 'comment' | 'save' | 'avatar';
  comment: 'delete';
  upload: 'use';
  moderation: 'review' | 'resolve';
}

export type Action<R extends Resource> = Actions[R['kind']];

export const photoOf = (row: { ownerId: string; status: PhotoStatus }): PhotoResource => ({
  kind: 'photo',
  owner: { id: row.ownerId },
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
