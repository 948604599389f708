import { describe, expect, it } from 'vitest';
import type { PhotoStatus } from '@graminsta/contracts';
import { authorize, decide } from './policy.ts';
import {
  commentOf,
  moderationOf,
  photoOf,
  uploadOf,
  userOf,
  type OwnerStanding,
  type Action,
  type Actions,
  type Resource,
  type Viewer,
} from './resources.ts';

const ANN = '1'; // owns the photo and the upload
const BEN = '2'; // wrote the comment on Ann's photo
const CY = '3'; // anyone else signed in
const viewers = { ann: ANN, ben: BEN, cy: CY, anonymous: null } satisfies Record<string, Viewer>;

// Ann as Ben and Cy see her: public, active, unrelated (Ann's own view ignores her standing).
const plainAnn: OwnerStanding = {
  id: ANN,
  private: false,
  active: true,
  viewerFollows: false,
  blocksViewer: false,
  blockedByViewer: false,
};
const photo = (status: PhotoStatus, ann: Partial<OwnerStanding> = {}) =>
  photoOf({ status }, { ...plainAnn, ...ann });
const annAccount = (ann: Partial<OwnerStanding> = {}) => userOf({ ...plainAnn, ...ann });
const bensComment = commentOf({ authorId: BEN, photoOwnerId: ANN });
const annsUpload = uploadOf({ ownerId: ANN });

type Outcome = 'allowed' | 'not_found' | 'forbidden' | 'private';
// One row per question; the type refuses an action that the resource's kind does not have.
type Case = {
  [K in Resource['kind']]: [
    viewer: keyof typeof viewers,
    action: Actions[K],
    label: string,
    expected: Outcome,
    resource: Extract<Resource, { kind: K }>,
  ];
}[Resource['kind']];

const cases: Case[] = [
  // A ready photo: everyone sees it, signed-in viewers like and comment, only Ann deletes it.
  ['ann', 'view', 'ready photo', 'allowed', photo('ready')],
  ['cy', 'view', 'ready photo', 'allowed', photo('ready')],
  ['anonymous', 'view', 'ready photo', 'allowed', photo('ready')],
  ['ann', 'like', 'ready photo', 'allowed', photo('ready')],
  ['cy', 'like', 'ready photo', 'allowed', photo('ready')],
  ['ann', 'comment', 'ready photo', 'allowed', photo('ready')],
  ['cy', 'comment', 'ready photo', 'allowed', photo('ready')],
  ['ann', 'delete', 'ready photo', 'allowed', photo('ready')],
  ['cy', 'delete', 'ready photo', 'forbidden', photo('ready')],
  ['anonymous', 'delete', 'ready photo', 'forbidden', photo('ready')],
  ['ann', 'avatar', 'ready photo', 'allowed', photo('ready')],
  ['cy', 'avatar', 'ready photo', 'forbidden', photo('ready')],

  // Processing and failed photos: Ann sees and deletes them; to anyone else they do not exist.
  ...(['processing', 'failed'] as const).flatMap((status): Case[] => [
    ['ann', 'view', `${status} photo`, 'allowed', photo(status)],
    ['ann', 'delete', `${status} photo`, 'allowed', photo(status)],
    ['ann', 'like', `${status} photo`, 'not_found', photo(status)],
    ['ann', 'comment', `${status} photo`, 'not_found', photo(status)],
    ['ann', 'avatar', `${status} photo`, 'not_found', photo(status)],
    ['cy', 'view', `${status} photo`, 'not_found', photo(status)],
    ['cy', 'delete', `${status} photo`, 'not_found', photo(status)],
    ['cy', 'like', `${status} photo`, 'not_found', photo(status)],
    ['cy', 'comment', `${status} photo`, 'not_found', photo(status)],
    ['cy', 'avatar', `${status} photo`, 'not_found', photo(status)],
    ['anonymous', 'view', `${status} photo`, 'not_found', photo(status)],
  ]),

  // A comment goes by its author's hand or the photo owner's.
  ['ben', 'delete', "Ben's comment on Ann's photo", 'allowed', bensComment],
  ['ann', 'delete', "Ben's comment on Ann's photo", 'allowed', bensComment],
  ['cy', 'delete', "Ben's comment on Ann's photo", 'forbidden', bensComment],
  ['anonymous', 'delete', "Ben's comment on Ann's photo", 'forbidden', bensComment],

  // A private account: its followers see its photos; others get `private`, for any action.
  ['cy', 'view', "private Ann's photo", 'private', photo('ready', { private: true })],
  ['cy', 'like', "private Ann's photo", 'private', photo('ready', { private: true })],
  ['anonymous', 'view', "private Ann's photo", 'private', photo('ready', { private: true })],
  [
    'cy',
    'view',
    "private Ann's photo, Cy following",
    'allowed',
    photo('ready', { private: true, viewerFollows: true }),
  ],
  ['ann', 'view', 'her own private photo', 'allowed', photo('ready', { private: true })],
  // A block either way, or an account suspended or deleted: the photo does not exist.
  ['cy', 'view', 'photo of Ann, who blocked Cy', 'not_found', photo('ready', { blocksViewer: true })],
  ['cy', 'comment', 'photo of Ann, whom Cy blocked', 'not_found', photo('ready', { blockedByViewer: true })],
  ['cy', 'view', 'photo of suspended Ann', 'not_found', photo('ready', { active: false })],
  ['cy', 'delete', 'photo of Ann, who blocked Cy', 'not_found', photo('ready', { blocksViewer: true })],

  // Ann's account: the profile shows to all but whom she blocked; lists follow her posts' rules.
  ['cy', 'view', "private Ann's profile", 'allowed', annAccount({ private: true })],
  ['cy', 'followers', "private Ann's followers", 'private', annAccount({ private: true })],
  [
    'cy',
    'following',
    "private Ann's following, Cy following",
    'allowed',
    annAccount({ private: true, viewerFollows: true }),
  ],
  ['anonymous', 'photos', "private Ann's photos", 'private', annAccount({ private: true })],
  ['cy', 'view', 'profile of Ann, who blocked Cy', 'not_found', annAccount({ blocksViewer: true })],
  ['cy', 'view', 'profile of Ann, whom Cy blocked', 'allowed', annAccount({ blockedByViewer: true })],
  ['cy', 'photos', 'photos of Ann, whom Cy blocked', 'not_found', annAccount({ blockedByViewer: true })],
  ['cy', 'view', 'profile of deleted Ann', 'not_found', annAccount({ active: false })],
  ['ann', 'followers', 'her own private followers', 'allowed', annAccount({ private: true })],

  // An upload is its owner's alone, and another's looks like none at all.
  ['ann', 'use', "Ann's upload", 'allowed', annsUpload],
  ['cy', 'use', "Ann's upload", 'not_found', annsUpload],
  ['anonymous', 'use', "Ann's upload", 'not_found', annsUpload],

  // The moderation queue is for moderators; anyone else is told so (the queue's existence is no secret).
  ['cy', 'review', 'queue, as a moderator', 'allowed', moderationOf({ role: 'moderator' })],
  ['cy', 'resolve', 'queue, as a moderator', 'allowed', moderationOf({ role: 'moderator' })],
  ['cy', 'review', 'queue, as a user', 'forbidden', moderationOf({ role: 'user' })],
  ['cy', 'resolve', 'queue, as a user', 'forbidden', moderationOf({ role: 'user' })],
  ['anonymous', 'review', 'queue, signed out', 'forbidden', moderationOf(null)],
];

const outcome = (viewer: Viewer, action: Action<Resource>, resource: Resource): Outcome => {
  const decision = decide(viewer, action, resource);
  return decision.allowed ? 'allowed' : decision.code;
};

describe('policies', () => {
  it.each(cases)('%s: %s %s → %s', (viewer, action, _label, expected, resource) => {
    expect(outcome(viewers[viewer], action, resource)).toBe(expected);
  });

  it('throws the errors the API has always answered with', () => {
    const thrown = (fn: () => void) => {
      try {
        fn();
        return 'allowed';
      } catch (err) {
        return err;
      }
    };
    expect(thrown(() => authorize(CY, 'view', photo('processing')))).toMatchObject({
      code: 'not_found',
      message: 'photo not found',
    });
    expect(thrown(() => authorize(CY, 'delete', photo('ready')))).toMatchObject({
      code: 'forbidden',
      message: 'only its owner may delete a photo',
    });
    expect(thrown(() => authorize(CY, 'delete', bensComment))).toMatchObject({
      code: 'forbidden',
      message: 'you may not delete this comment',
    });
    expect(thrown(() => authorize(CY, 'use', annsUpload))).toMatchObject({
      code: 'not_found',
      message: 'upload not found',
    });
    expect(thrown(() => authorize(ANN, 'use', annsUpload))).toBe('allowed');
    expect(thrown(() => authorize(CY, 'view', photo('ready', { private: true })))).toMatchObject({
      code: 'private',
    });
    expect(thrown(() => authorize(CY, 'view', annAccount({ blocksViewer: true })))).toMatchObject({
      code: 'not_found',
      message: 'user not found',
    });
  });
});
