import { createHash } from 'node:crypto';
import { MAX_UPLOAD_BYTES } from '@graminsta/contracts';
import { PayloadTooLargeError, readBounded, type BlobStore } from '@graminsta/platform';
import { ImageRejectedError, avifSlot, processImage } from '../media/image-pipeline.ts';
import type { EventService } from '../services.ts';
import type { JobQueue } from '../jobs/jobs.ts';
import type { PhotoPresenter } from './photo.presenter.ts';
import type { PhotoRepository, PhotoRow, StoredVariants } from './photo.repository.ts';

export interface PhotoProcessorDeps {
  photos: PhotoRepository;
  presenter: PhotoPresenter;
  blobs: BlobStore;
  queue: Pick<JobQueue, 'enqueue'>;
  events: EventService;
  maxImagePixels: number;
}

/** The worker side of a photo: uploaded bytes → checked, stripped WebP variants → ready (or failed). */
export class PhotoProcessor {
  constructor(private readonly deps: PhotoProcessorDeps) {}

  async enqueue(photoId: string): Promise<void> {
    // jobId = photoId: a photo queued twice (create, then a restart's requeue) is processed once.
    await this.deps.queue.enqueue('photo.process', { photoId }, { jobId: photoId });
  }

  async requeueStuck(): Promise<number> {
    const ids = await this.deps.photos.processingIds();
    for (const id of ids) await this.enqueue(id);
    return ids.length;
  }

  /** Storage or database failures throw, so the queue retries; bad images end as `failed`. */
  async process(photoId: string): Promise<void> {
    const { photos, blobs } = this.deps;
    const photo = await photos.findById(photoId);
    if (!photo || photo.status !== 'processing') return;

    const source = await blobs.stream(photo.sourceKey);
    if (!source) return this.fail(photo, 'the uploaded file is missing');
    let image;
    try {
      // The decoder needs the whole file; the upload limit bounds what that can cost.
      const bytes = await readBounded(source.body, MAX_UPLOAD_BYTES);
      image = await processImage(bytes, { maxPixels: this.deps.maxImagePixels });
    } catch (err) {
      if (err instanceof ImageRejectedError) return this.fail(photo, err.message);
      if (err instanceof PayloadTooLargeError) return this.fail(photo, 'the uploaded file is too large');
      throw err;
    }

    const variants: StoredVariants = {};
    for (const v of image.variants) {
      const key = variantKey(photo.id, v.body);
      await blobs.put(key, v.body, v.contentType);
      variants[v.name] = { key, width: v.width, height: v.height };
      if (v.avif) {
        const avifKey = variantKey(photo.id, v.avif, 'avif');
        await blobs.put(avifKey, v.avif, 'image/avif');
        variants[avifSlot(v.name)] = { key: avifKey, width: v.width, height: v.height };
      }
    }
    const { width, height, placeholderColor } = image;
    if (!(await photos.markReady(photo.id, { variants, width, height, placeholderColor }))) {
      return this.discard(photo.id, variants);
    }
    await blobs.delete([photo.sourceKey]);
    const row = await photos.findWithOwner(photo.id);
    if (!row) return;
    const presented = await this.deps.presenter.presentOne(row, photo.ownerId);
    await this.deps.events.publish(photo.ownerId, 'photo.ready', { photo: presented });
  }

  private async fail(photo: PhotoRow, reason: string): Promise<void> {
    if (!(await this.deps.photos.markFailed(photo.id, reason))) return;
    await this.deps.blobs.delete([photo.sourceKey]);
    await this.deps.events.publish(photo.ownerId, 'photo.failed', { photoId: photo.id, reason });
  }

  /** The photo was deleted (or finished by another worker) while we worked: drop what it does not use. */
  private async discard(photoId: string, written: StoredVariants): Promise<void> {
    const current = await this.deps.photos.findById(photoId);
    const kept = new Set(Object.values(current?.variants ?? {}).map((v) => v.key));
    const orphans = [...new Set(Object.values(written).map((v) => v.key))].filter((k) => !kept.has(k));
    await this.deps.blobs.delete(orphans);
  }
}

/**
 * Content hash under the photo's id: immutable like a pure content address (cacheable forever),
 * yet never shared with another photo, so deleting one photo cannot remove another's identical bytes.
 */
export function variantKey(photoId: string, body: Buffer, ext: 'webp' | 'avif' = 'webp'): string {
  return `p/${photoId}/${createHash('sha256').update(body).digest('hex')}.${ext}`;
}

/** Every stored object of a photo: its variants and (until processed) its source upload. */
export function objectKeys(photo: PhotoRow): string[] {
  const keys = Object.values(photo.variants ?? {}).map((v) => v.key);
  return [...new Set([...keys, photo.sourceKey])];
}
