import { createHash } from 'node:crypto';
import { MAX_UPLOAD_BYTES } from '@graminsta/contracts';
import {
  BlobChangedError,
  PayloadTooLargeError,
  readBounded,
  type BlobStore,
  type Db,
} from '@graminsta/platform';
import { ImageRejectedError, avifSlot, processImage } from '../media/image-pipeline.ts';
import type { EventService, Notifier } from '../services.ts';
import type { JobQueue } from '../jobs/jobs.ts';
import { cacheKeys } from '../policies/cache-keys.ts';
import type { PhotoPresenter } from './photo.presenter.ts';
import type { PhotoRepository, PhotoWithOwner, StoredMedia, StoredVariants } from './photo.repository.ts';
import type { UploadRepository } from './upload.repository.ts';
import type { TimelineHooks } from '../feed/timeline.hooks.ts';

export interface PhotoProcessorDeps {
  db: Db;
  photos: PhotoRepository;
  uploads: Pick<UploadRepository, 'findByKey'>;
  presenter: PhotoPresenter;
  blobs: BlobStore;
  queue: Pick<JobQueue, 'enqueue'>;
  events: EventService;
  notifier: Notifier;
  maxImagePixels: number;
  /** Home timelines hear of each post that becomes ready (TIMELINES=on). */
  timelines?: TimelineHooks;
  /** Drops cached entries after a commit (the post's items and status). */
  invalidate?: (keys: string[]) => Promise<void>;
  /** Failures after the post is ready (booking its announcement); the post stays ready. */
  onBackgroundError?: (err: unknown) => void;
}

/** Why an item did not become ready: the post fails with the reason, or was deleted meanwhile. */
type ItemOutcome = { ready: true } | { ready: false; reason: string } | { gone: true };

/**
 * The worker side of a post: each item's uploaded bytes → checked, stripped WebP variants; the
 * post becomes ready when every item is, and fails when one fails.
 */
export class PhotoProcessor {
  constructor(private readonly deps: PhotoProcessorDeps) {}

  async enqueue(photoId: string): Promise<void> {
    // jobId = photoId: a post queued twice (create, then a restart's requeue) is processed once.
    await this.deps.queue.enqueue('photo.process', { photoId }, { jobId: photoId });
  }

  async requeueStuck(): Promise<number> {
    const ids = await this.deps.photos.processingIds();
    for (const id of ids) await this.enqueue(id);
    return ids.length;
  }

  /**
   * Storage or database failures throw, so the queue retries (items already ready are kept and
   * skipped); bad images end the post as `failed`.
   */
  async process(photoId: string): Promise<void> {
    const post = await this.deps.photos.findWithOwner(photoId);
    if (!post || post.photo.status !== 'processing') return;
    for (const [index, item] of post.media.entries()) {
      if (item.status === 'ready') continue;
      const outcome =
        item.status === 'failed'
          ? { ready: false as const, reason: item.failureReason ?? 'failed' }
          : await this.processItem(photoId, item);
      if ('gone' in outcome) return;
      if (!outcome.ready) return this.fail(post, index, item, outcome.reason);
    }
    await this.finish(post);
  }

  private async processItem(photoId: string, item: StoredMedia): Promise<ItemOutcome> {
    const { photos, blobs } = this.deps;
    // What the photo's creation checked: its declared size and type, and the ETag of its bytes.
    const upload = await this.deps.uploads.findByKey(item.sourceKey);
    let image;
    try {
      // The ETag pins the object checked when the photo was made: bytes swapped in since are refused.
      const source = await blobs.stream(item.sourceKey, upload?.etag ? { ifMatch: upload.etag } : {});
      if (!source) return { ready: false, reason: 'the uploaded file is missing' };
      // The decoder needs the whole file; the declared size bounds what that can cost (an object
      // store that enforces no policy may hold more than was declared).
      const bytes = await readBounded(source.body, upload?.maxBytes ?? MAX_UPLOAD_BYTES);
      // The bytes' own magic number, not the declared type: the store may have taken anything.
      const sniffed = sniffImageType(bytes);
      if (sniffed === null) return { ready: false, reason: 'not an image' };
      if (upload && sniffed !== upload.contentType)
        return {
          ready: false,
          reason: `the file is ${sniffed}, not the ${upload.contentType} it was announced as`,
        };
      image = await processImage(bytes, { maxPixels: this.deps.maxImagePixels });
    } catch (err) {
      if (err instanceof ImageRejectedError) return { ready: false, reason: err.message };
      if (err instanceof PayloadTooLargeError)
        return { ready: false, reason: 'the uploaded file is larger than announced' };
      if (err instanceof BlobChangedError)
        return { ready: false, reason: 'the uploaded file changed after it was checked' };
      throw err;
    }

    const variants: StoredVariants = {};
    for (const v of image.variants) {
      const key = variantKey(photoId, v.body);
      await blobs.put(key, v.body, v.contentType);
      variants[v.name] = { key, width: v.width, height: v.height };
      if (v.avif) {
        const avifKey = variantKey(photoId, v.avif, 'avif');
        await blobs.put(avifKey, v.avif, 'image/avif');
        variants[avifSlot(v.name)] = { key: avifKey, width: v.width, height: v.height };
      }
    }
    const { width, height, placeholderColor } = image;
    if (!(await photos.markMediaReady(item.id, { variants, width, height, placeholderColor }))) {
      await this.discard(photoId, variants);
      return { gone: true };
    }
    // The owner sees each item turn ready, before the whole post is.
    await this.deps.invalidate?.([cacheKeys.photo(photoId)]);
    await blobs.delete([item.sourceKey]);
    return { ready: true };
  }

  /** Every item is ready: the post is, and the people its caption mentions hear of it now. */
  private async finish(post: PhotoWithOwner): Promise<void> {
    const { photo } = post;
    const mentions = await this.deps.db.transaction(async (tx) => {
      if (!(await this.deps.photos.markReady(photo.id, tx))) return null;
      const caption = (await this.deps.photos.findById(photo.id, tx))?.caption ?? '';
      return this.deps.notifier.mention(tx, { actorId: photo.ownerId, text: caption, photoId: photo.id });
    });
    if (mentions === null) return;
    await this.deps.timelines?.postReady(photo.id);
    // Online followers hear of it (post.new) from a job; jobId: a post ready twice announces once.
    await this.deps.queue
      .enqueue('post.announce', { photoId: photo.id }, { jobId: `announce-${photo.id}` })
      .catch((err: unknown) => this.deps.onBackgroundError?.(err));
    await this.deps.invalidate?.([cacheKeys.photo(photo.id)]);
    for (const id of mentions) await this.deps.notifier.announce(id);
    const row = await this.deps.photos.findWithOwner(photo.id);
    if (!row) return;
    const presented = await this.deps.presenter.presentOne(row, photo.ownerId);
    await this.deps.events.publish(photo.ownerId, 'photo.ready', { photo: presented });
  }

  private async fail(post: PhotoWithOwner, index: number, item: StoredMedia, reason: string): Promise<void> {
    const { photo, media } = post;
    await this.deps.photos.markMediaFailed(item.id, reason);
    const named = media.length > 1 ? `photo ${index + 1} of ${media.length}: ${reason}` : reason;
    const flipped = await this.deps.photos.markFailed(photo.id, named);
    await this.deps.invalidate?.([cacheKeys.photo(photo.id)]);
    if (!flipped) return;
    // No item of a failed post will be processed: its uploaded originals go now.
    await this.deps.blobs.delete(media.map((m) => m.sourceKey));
    await this.deps.events.publish(photo.ownerId, 'photo.failed', { photoId: photo.id, reason: named });
  }

  /** The post was deleted (or the item finished by another worker) while we worked: drop what it does not use. */
  private async discard(photoId: string, written: StoredVariants): Promise<void> {
    const current = await this.deps.photos.mediaRows(photoId);
    const kept = new Set(current.flatMap((m) => Object.values(m.variants ?? {}).map((v) => v.key)));
    const orphans = [...new Set(Object.values(written).map((v) => v.key))].filter((k) => !kept.has(k));
    await this.deps.blobs.delete(orphans);
  }
}

/**
 * Content hash under the post's id: immutable like a pure content address (cacheable forever),
 * yet never shared with another post, so deleting one post cannot remove another's identical bytes.
 */
export function variantKey(photoId: string, body: Buffer, ext: 'webp' | 'avif' = 'webp'): string {
  return `p/${photoId}/${createHash('sha256').update(body).digest('hex')}.${ext}`;
}

/** Every stored object of a post's items: their variants and (until processed) their source uploads. */
export function objectKeys(media: ReadonlyArray<Pick<StoredMedia, 'variants' | 'sourceKey'>>): string[] {
  const keys = media.flatMap((m) => [...Object.values(m.variants ?? {}).map((v) => v.key), m.sourceKey]);
  return [...new Set(keys)];
}

/** The image type the bytes themselves announce (magic numbers), or null when none of ours. */
export function sniffImageType(bytes: Buffer): string | null {
  const at = (offset: number, text: string) =>
    bytes.subarray(offset, offset + text.length).toString('latin1') === text;
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (at(0, '\x89PNG\r\n\x1a\n')) return 'image/png';
  if (at(0, 'RIFF') && at(8, 'WEBP')) return 'image/webp';
  if (at(0, 'GIF87a') || at(0, 'GIF89a')) return 'image/gif';
  if (at(4, 'ftypavif') || at(4, 'ftypavis')) return 'image/avif';
  return null;
}
