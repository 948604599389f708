import type { Photo, Variant, VariantName } from '@graminsta/contracts';
import { avifSlot } from './image-pipeline.ts';

/** Stored variants as the photo row keeps them: blob keys and sizes by name (see avifSlot for AVIF). */
export type StoredVariantMap = Record<string, { key: string; width: number; height: number }>;

/**
 * The public variants of a photo: URLs by size, w2048 when the photo has one (photos processed
 * before it existed do not) and each width variant's AVIF URL when it was written.
 */
export function presentVariants(
  stored: StoredVariantMap | null,
  urlOf: (key: string) => string,
): Photo['variants'] {
  const variant = (name: VariantName): Variant | null => {
    const v = stored?.[name];
    if (!v) return null;
    const avif = stored?.[avifSlot(name)];
    return { url: urlOf(v.key), width: v.width, height: v.height, ...(avif && { avifUrl: urlOf(avif.key) }) };
  };
  const [thumb, w640, w1080, w2048] = [variant('thumb'), variant('w640'), variant('w1080'), variant('w2048')];
  return thumb && w640 && w1080 ? { thumb, w640, w1080, ...(w2048 && { w2048 }) } : null;
}
