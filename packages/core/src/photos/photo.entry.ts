import type { PhotoStatus } from '@graminsta/contracts';
import type { AccountEntry } from '../users/account.entry.ts';
import type { PhotoRow, PhotoWithOwner, StoredMedia } from './photo.repository.ts';

/**
 * A post as every viewer sees it (cached under `photo:<id>`): its row, items and counters. The
 * counters live inside the entry, so a like or comment drops it and the next read reloads one
 * row by its key; kept beside it they would cost every read a second cache round trip, hot post
 * or not, to save a reload that single-flight already makes one per change. The owner's name and
 * avatar are not copied in: they come from the owner's `user:<id>` entry, so a profile edit
 * needs no sweep of the owner's posts. JSON only: dates are ISO strings.
 */
export type PhotoEntry = {
  id: string;
  ownerId: string;
  caption: string;
  status: PhotoStatus;
  failureReason: string | null;
  likeCount: number;
  commentCount: number;
  createdAt: string;
  editedAt: string | null;
  media: StoredMedia[];
};

/** One viewer's like and save of one post (cached under `pv:<photo>:<viewer>`). */
export type ViewerFlagsEntry = { liked: boolean; saved: boolean };

/** The row the presenter takes, rebuilt from the shared entries and the viewer's own flags. */
export function rowOf(
  entry: PhotoEntry,
  owner: AccountEntry,
  viewer: ViewerFlagsEntry,
): PhotoWithOwner & { viewer: ViewerFlagsEntry } {
  const { media, createdAt, editedAt, ...rest } = entry;
  const photo: PhotoRow = {
    ...rest,
    createdAt: new Date(createdAt),
    editedAt: editedAt === null ? null : new Date(editedAt),
  };
  return {
    photo,
    owner: {
      id: owner.id,
      username: owner.username,
      displayName: owner.displayName,
      avatarUrl: owner.avatarUrl,
    },
    media,
    viewer,
  };
}
