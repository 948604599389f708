import { AppError, forbidden, notFound } from '../errors.ts';
import type {
  Action,
  Actions,
  CommentResource,
  ModerationResource,
  Owner,
  OwnerStanding,
  PhotoResource,
  Resource,
  UploadResource,
  UserResource,
  Viewer,
} from './resources.ts';

/**
 * What a rule answers. `not_found` where the refusal must not tell that the resource exists
 * (the viewer may not even see it); `private` where the account is known to be private and the
 * viewer is not among its followers; `forbidden` where it may, with the message the caller gets.
 */
export type Decision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly code: 'not_found' | 'private' }
  | { readonly allowed: false; readonly code: 'forbidden'; readonly message: string };

const allow: Decision = { allowed: true };
const hide: Decision = { allowed: false, code: 'not_found' };
const keepPrivate: Decision = { allowed: false, code: 'private' };
const refuse = (message: string): Decision => ({ allowed: false, code: 'forbidden', message });

const owns = (viewer: Viewer, owner: Owner) => viewer !== null && viewer === owner.id;

/**
 * How the viewer stands towards an owner's content (posts, followers, following): its owner; a
 * viewer who sees it; a non-follower of a private account; or someone to whom it does not exist
 * (an account suspended or deleted, or a block either way).
 */
export function audienceOf(viewer: Viewer, owner: OwnerStanding): 'owner' | 'sees' | 'private' | 'hidden' {
  if (owns(viewer, owner)) return 'owner';
  if (!owner.active || owner.blocksViewer || owner.blockedByViewer) return 'hidden';
  if (owner.private && !owner.viewerFollows) return 'private';
  return 'sees';
}

/** The refusal for content of `owner` the viewer may not see, or null when it may. */
function contentDecision(viewer: Viewer, owner: OwnerStanding): Decision | null {
  switch (audienceOf(viewer, owner)) {
    case 'owner':
    case 'sees':
      return null;
    case 'private':
      return keepPrivate;
    case 'hidden':
      return hide;
  }
}

/**
 * Who may see a photo at all. Every action on a photo asks this first, so a photo the viewer
 * cannot see is refused whatever is asked of it.
 */
function photoVisibility(viewer: Viewer, photo: PhotoResource): Decision | null {
  // Processing and failed photos are their owner's business only.
  if (photo.status !== 'ready' && !owns(viewer, photo.owner)) return hide;
  return contentDecision(viewer, photo.owner);
}

function photoPolicy(viewer: Viewer, action: Actions['photo'], photo: PhotoResource): Decision {
  const refused = photoVisibility(viewer, photo);
  if (refused) return refused;
  switch (action) {
    case 'view':
      return allow;
    case 'edit':
      return owns(viewer, photo.owner) ? allow : refuse('only its owner may edit a photo');
    case 'delete':
      return owns(viewer, photo.owner) ? allow : refuse('only its owner may delete a photo');
    case 'like':
    case 'comment':
    case 'save':
      // Only ready photos take likes, comments and saves, their owner's own unready ones included.
      return photo.status === 'ready' ? allow : hide;
    case 'avatar':
      // An avatar is shown as the photo's thumb, which only a ready photo has.
      if (photo.status !== 'ready') return hide;
      return owns(viewer, photo.owner) ? allow : refuse('only its owner may make a photo an avatar');
  }
}

function commentPolicy(viewer: Viewer, action: Actions['comment'], comment: CommentResource): Decision {
  switch (action) {
    case 'delete':
      // Its author, or the owner of the photo under it.
      return viewer === comment.authorId || owns(viewer, comment.photoOwner)
        ? allow
        : refuse('you may not delete this comment');
  }
}

function uploadPolicy(viewer: Viewer, action: Actions['upload'], upload: UploadResource): Decision {
  switch (action) {
    case 'use':
      // Ids are time-ordered, so guessable: another's upload must look like one that does not exist.
      return owns(viewer, upload.owner) ? allow : hide;
  }
}

function moderationPolicy(
  _viewer: Viewer,
  action: Actions['moderation'],
  queue: ModerationResource,
): Decision {
  switch (action) {
    case 'review':
    case 'resolve':
      return queue.viewerRole === 'moderator' ? allow : refuse('only moderators may see and resolve reports');
  }
}

function userPolicy(viewer: Viewer, action: Actions['user'], user: UserResource): Decision {
  const { owner } = user;
  if (owns(viewer, owner)) return allow;
  if (!owner.active) return hide;
  switch (action) {
    case 'view':
      // The blocker still sees whom it blocked (to undo it); the blocked does not see the blocker.
      return owner.blocksViewer ? hide : allow;
    case 'photos':
    case 'followers':
    case 'following':
      return contentDecision(viewer, owner) ?? allow;
  }
}

type Policy<R extends Resource> = (viewer: Viewer, action: Action<R>, resource: R) => Decision;

const policies: { [K in Resource['kind']]: Policy<Extract<Resource, { kind: K }>> } = {
  photo: photoPolicy,
  comment: commentPolicy,
  upload: uploadPolicy,
  moderation: moderationPolicy,
  user: userPolicy,
};

/** The one place that says whether `viewer` may do `action` to `resource`, and how a refusal reads. */
export function decide<R extends Resource>(viewer: Viewer, action: Action<R>, resource: R): Decision {
  // TypeScript cannot tie the entry picked by `resource.kind` to R; the table's type ties them.
  const policy = policies[resource.kind] as Policy<R>;
  return policy(viewer, action, resource);
}

export function can<R extends Resource>(viewer: Viewer, action: Action<R>, resource: R): boolean {
  return decide(viewer, action, resource).allowed;
}

/**
 * Throws the AppError of a refusal: `<kind> not found`, `private`, or forbidden with the rule's
 * message.
 */
export function authorize<R extends Resource>(viewer: Viewer, action: Action<R>, resource: R): void {
  const decision = decide(viewer, action, resource);
  if (decision.allowed) return;
  switch (decision.code) {
    case 'not_found':
      throw notFound(resource.kind);
    case 'private':
      throw new AppError('private', 'this account is private: only its followers see this');
    case 'forbidden':
      throw forbidden(decision.message);
  }
}
