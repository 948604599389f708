import type { BlobStore, Db, DeadJob, ReadCache } from '@graminsta/platform';
import { PhotoRepository } from '../photos/photo.repository.ts';
import type { EventService } from '../services.ts';
import { cacheKeys, invalidateAfterCommit } from '../policies/cache-keys.ts';

export interface AbandonedPostDeps {
  db: Db;
  blobs: Pick<BlobStore, 'delete'>;
  events: Pick<EventService, 'publish'>;
  /** Cache-aside reads: the failed post's entry is dropped, so its owner sees the failure at once. */
  cache?: ReadCache;
}

/** What the owner reads: how many tries, and the error's class or code, never its text (addresses, paths). */
export function abandonedReason(dead: DeadJob): string {
  const error = dead.error as { code?: unknown; name?: unknown } | null | undefined;
  const kind =
    typeof error?.code === 'string' ? error.code : typeof error?.name === 'string' ? error.name : 'Error';
  const tries = dead.attempts === 1 ? '1 try' : `${dead.attempts} tries`;
  return `processing failed after ${tries} (${kind.slice(0, 60).replace(/[^\w.-]/g, '')})`;
}

/**
 * The dead-job handler of `photo.process`: a post whose job was given up (its tries spent, or the
 * worker of its last try lost) is failed with the reason, and its uploaded originals deleted.
 * Idempotent, as the queue may run it again: a post already failed only has its originals deleted
 * again, and the owner's `photo.failed` is sent by whoever flipped the status.
 */
export function failAbandonedPost(deps: AbandonedPostDeps) {
  const photos = new PhotoRepository(deps.db);
  return async ({ photoId }: { photoId: string }, dead: DeadJob): Promise<void> => {
    const reason = abandonedReason(dead);
    const media = await photos.mediaRows(photoId);
    for (const item of media) if (item.status === 'processing') await photos.markMediaFailed(item.id, reason);
    const flipped = await photos.markFailed(photoId, reason);
    await invalidateAfterCommit(deps.cache, [cacheKeys.photo(photoId)]);
    const post = await photos.findById(photoId);
    if (post?.status !== 'failed') return; // ready meanwhile, or deleted (its objects went with it)
    await deps.blobs.delete([...new Set(media.map((m) => m.sourceKey))]);
    if (flipped) await deps.events.publish(post.ownerId, 'photo.failed', { photoId, reason });
  };
}
