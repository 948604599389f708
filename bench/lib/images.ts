import { createHash } from 'node:crypto';
import type { BlobStore } from '@graminsta/platform';
import { avifSlot, processImage } from '@graminsta/core/media/image-pipeline';
import { syntheticJpeg } from '@graminsta/loadgen';

/** What a `ready` photo row needs: variant keys that really exist in the blob store. */
export interface SeedImage {
  sourceKey: string;
  /** By variant name, and by avifSlot(name) for the AVIF twins of the width variants. */
  variants: Record<string, { key: string; width: number; height: number }>;
  placeholderColor: string;
  width: number;
  height: number;
}

const WIDTH = 1280;
const HEIGHT = 960;

/**
 * A handful of real photos, run through the project's own image pipeline and stored once.
 * Thousands of photo rows share them: the benchmark measures the API, not image bytes, and
 * making thousands of WebP files would add minutes to every seed for nothing it measures.
 */
export async function makeSeedImages(count: number, blobs: BlobStore, seed: number): Promise<SeedImage[]> {
  const images: SeedImage[] = [];
  for (let i = 0; i < count; i++) {
    const source = await syntheticJpeg(seed + i, WIDTH, HEIGHT);
    const sourceKey = `seed/${sha256(source)}.jpg`;
    await blobs.put(sourceKey, source, 'image/jpeg');
    const processed = await processImage(source, { maxPixels: WIDTH * HEIGHT });
    const variants: SeedImage['variants'] = {};
    for (const v of processed.variants) {
      // Content-addressed, like the worker's keys: identical bytes share one immutable object.
      const key = `seed/${sha256(v.body)}.webp`;
      await blobs.put(key, v.body, v.contentType);
      variants[v.name] = { key, width: v.width, height: v.height };
      if (v.avif) {
        const avifKey = `seed/${sha256(v.avif)}.avif`;
        await blobs.put(avifKey, v.avif, 'image/avif');
        variants[avifSlot(v.name)] = { key: avifKey, width: v.width, height: v.height };
      }
    }
    images.push({
      sourceKey,
      variants,
      placeholderColor: processed.placeholderColor,
      width: processed.width,
      height: processed.height,
    });
  }
  return images;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
