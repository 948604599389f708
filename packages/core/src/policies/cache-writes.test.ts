import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// The tables behind cached entries: users (user:), photos and their items (photo:), the pair's
// rows (rel:), likes and saves (pv:), comments (photo:'s comment_count).
const CACHED = 'users|photos|photoMedia|follows|followRequests|blocks|mutes|likes|saves|comments';
const WRITE = new RegExp(`\\.(?:update|insert|delete)\\((?:${CACHED})\\)`, 'g');

/**
 * Every repository method that writes a table behind a cached entry, and what drops the entries
 * it changes (read-your-writes.test.ts proves each one through the services). A new write method
 * fails this test until it is classified here.
 */
const WRITES: Record<string, string> = {
  'account-data/deletion.repository.ts#markDeleted': 'DeletionService.requestDeletion: user:<id>',
  'account-data/deletion.repository.ts#deleteLikes': 'DeletionService.run: photo:<each post>',
  'account-data/deletion.repository.ts#deleteComments': 'DeletionService.run: photo:<each post>',
  'account-data/deletion.repository.ts#deleteFollows':
    'DeletionService.run: user: and rel: of each other account',
  'account-data/deletion.repository.ts#deleteUser': 'DeletionService.run: user:<id>, uname:<name>',
  'accounts/credential.repository.ts#markVerified': 'none: e-mail state is in no entry',
  'accounts/credential.repository.ts#setEmail': 'none: the e-mail is in no entry',
  'accounts/credential.repository.ts#setPasswordHash': 'none: the password hash is in no entry',
  'moderation/moderation.repository.ts#setRole': 'none: the role is in no entry (moderation reads the row)',
  'moderation/moderation.repository.ts#suspend': 'ModerationService.resolve: user:<id>',
  'photos/like.repository.ts#insert': 'LikeService.like: photo:<id>, pv:<id>:<liker>',
  'photos/like.repository.ts#adjustCount': 'LikeService.like/unlike: photo:<id>',
  'photos/like.repository.ts#delete': 'LikeService.unlike: photo:<id>, pv:<id>:<liker>',
  'photos/photo.repository.ts#insert':
    'PhotoService.createPhoto: user:<owner> (no entry exists for a new id)',
  'photos/photo.repository.ts#insertMedia': 'PhotoService.createPhoto (a new post)',
  'photos/photo.repository.ts#adjustPhotoCount': 'PhotoService.createPhoto: user:<owner>',
  'photos/photo.repository.ts#arrangeMedia': 'PhotoService.editPhoto: photo:<id>',
  'photos/photo.repository.ts#setCaption': 'PhotoService.editPhoto: photo:<id>',
  'photos/photo.repository.ts#markEdited': 'PhotoService.editPhoto: photo:<id>',
  'photos/photo.repository.ts#deleteWithDependents':
    'PhotoService.deletePost (delete, moderator removal): photo:<id>, user:<owner>; DeletionService: photo:<id>',
  'photos/photo.repository.ts#markMediaReady': 'PhotoProcessor.processItem: photo:<id>',
  'photos/photo.repository.ts#markMediaFailed':
    'PhotoProcessor.fail: photo:<id>; the dead-job handler (jobs/)',
  'photos/photo.repository.ts#markReady': 'PhotoProcessor.finish: photo:<id>',
  'photos/photo.repository.ts#markFailed': 'PhotoProcessor.fail: photo:<id>; the dead-job handler (jobs/)',
  'photos/save.repository.ts#insert': 'SaveService.save: pv:<id>:<saver>',
  'photos/save.repository.ts#delete': 'SaveService.unsave: pv:<id>:<saver>',
  'social/comment.repository.ts#insert': 'CommentService.create: photo:<id>',
  'social/comment.repository.ts#adjustCount': 'CommentService.create/delete/remove: photo:<id>',
  'social/comment.repository.ts#delete': 'CommentService.delete/remove: photo:<id>',
  'users/follow.repository.ts#insert': 'UserService.follow, RelationService.accept: user: both, rel:',
  'users/follow.repository.ts#delete': 'UserService.unfollow, RelationService.block: user: both, rel:',
  'users/follow.repository.ts#adjustCounts': 'the same writes: user: both',
  'users/relationship.repository.ts#insertRequest': 'UserService.follow (private): rel:',
  'users/relationship.repository.ts#deleteRequest':
    'UserService.unfollow, RelationService.accept/decline: rel:',
  'users/relationship.repository.ts#deleteRequestsBetween': 'RelationService.block: rel:',
  'users/relationship.repository.ts#takeAllRequests':
    'AccountService.updateMe (to public): rel: per requester',
  'users/relationship.repository.ts#followAll':
    'AccountService.updateMe (to public): user: owner and requesters',
  'users/relationship.repository.ts#insertBlock': 'RelationService.block: user: both, rel:',
  'users/relationship.repository.ts#deleteBlock': 'RelationService.unblock: rel:',
  'users/relationship.repository.ts#insertMute': 'RelationService.mute: rel:',
  'users/relationship.repository.ts#deleteMute': 'RelationService.unmute: rel:',
  'users/user.repository.ts#insert': 'sign-up: a new account (no entry; a missing name is never cached)',
  'users/user.repository.ts#update': 'AccountService.updateMe: user:<id>',
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'testing' ? [] : sources(path);
    return /\.ts$/.test(name) && !/\.(test|fixtures)\.ts$/.test(name) ? [path] : [];
  });
}

/** `file#method` of every statement writing a cached table (the class method it sits in). */
function writeMethods(): Set<string> {
  const found = new Set<string>();
  for (const path of sources(ROOT)) {
    const text = readFileSync(path, 'utf8');
    for (const match of text.matchAll(WRITE)) {
      const methods = [...text.slice(0, match.index).matchAll(/^ {2}(?:async )?(\w+)\s*(?:<[^>]*>)?\(/gm)];
      found.add(`${relative(ROOT, path)}#${methods.at(-1)?.[1] ?? '(top level)'}`);
    }
  }
  return found;
}

describe('every write of a cached table is classified', () => {
  it('names what drops the entries each repository write changes', () => {
    expect([...writeMethods()].sort()).toEqual(Object.keys(WRITES).sort());
  });
});
