import type { LikeState } from '@graminsta/contracts';
import type { Db } from '@graminsta/platform';
import { notFound } from '../errors.ts';
import type { Notifier } from '../services.ts';
import { cacheKeys } from '../policies/cache-keys.ts';
import { authorize } from '../policies/policy.ts';
import { photoOf } from '../policies/resources.ts';
import { StandingRepository } from '../policies/standing.repository.ts';
import { LikeRepository } from './like.repository.ts';
import type { PhotoRepository } from './photo.repository.ts';

/** Likes: the row, the photo's counter and the owner's notification commit together. */
export class LikeService {
  private readonly likes: LikeRepository;
  private readonly standing: StandingRepository;

  constructor(
    private readonly deps: {
      db: Db;
      notifier: Notifier;
      photos: PhotoRepository;
      /** Drops cached entries after a commit (the post's like_count, the liker's likedByMe). */
      invalidate?: (keys: string[]) => Promise<void>;
    },
  ) {
    this.likes = new LikeRepository(deps.db);
    this.standing = new StandingRepository(deps.db);
  }

  async like(userId: string, photoId: string): Promise<LikeState> {
    const found = await this.standing.photo(photoId, userId);
    if (!found) throw notFound('photo');
    const { photo } = found;
    authorize(userId, 'like', photoOf(photo, found.owner));
    const note = { recipientId: photo.ownerId, actorId: userId, type: 'like' as const, photoId: photo.id };
    const { likeCount, notificationId } = await this.deps.db.transaction(async (tx) => {
      // Only a really inserted row moves the counter, so repeats and races count once.
      const inserted = await this.likes.insert(photo.id, userId, photo.ownerId, tx);
      const count = inserted
        ? await this.likes.adjustCount(photo.id, 1, tx)
        : await this.likes.count(photo.id, tx);
      // Deleted (or no longer ready) while we were here: throwing rolls the like back.
      if (count === null) throw notFound('photo');
      return {
        likeCount: count,
        notificationId: inserted ? await this.deps.notifier.record(tx, note) : null,
      };
    });
    await this.deps.invalidate?.(likeKeys(photo.id, userId));
    if (notificationId) await this.deps.notifier.announce(notificationId);
    return { liked: true, likeCount };
  }

  async unlike(userId: string, photoId: string): Promise<LikeState> {
    const state = await this.deps.db.transaction(async (tx) => {
      // The photo row first, as deletePhoto locks it: taking the like row first could deadlock with it.
      const photo = await this.deps.photos.lock(photoId, tx);
      if (!photo) throw notFound('photo');
      authorize(userId, 'like', photoOf(photo, await this.standing.owner(userId, photo.ownerId, tx)));
      if (!(await this.likes.delete(photo.id, userId, tx)))
        return { liked: false, likeCount: photo.likeCount };
      const likeCount = await this.likes.adjustCount(photo.id, -1, tx);
      const note = { recipientId: photo.ownerId, actorId: userId, type: 'like' as const, photoId: photo.id };
      await this.deps.notifier.retract(tx, note);
      return { liked: false, likeCount: likeCount ?? 0 };
    });
    await this.deps.invalidate?.(likeKeys(photoId, userId));
    return state;
  }
}

const likeKeys = (photoId: string, userId: string) => [
  cacheKeys.photo(photoId),
  cacheKeys.photoViewer(photoId, userId),
];
