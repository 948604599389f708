import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { BlobStore } from '@graminsta/platform';
import type { VariantName } from '@graminsta/contracts';
import { processImage } from '@graminsta/core/media/image-pipeline';
import { seededRandom } from './random.ts';

/** What a `ready` photo row needs: variant keys that really exist in the blob store. */
export interface SeedImage {
  sourceKey: string;
  variants: Record<VariantName, { key: string; width: number; height: number }>;
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
    const variants = {} as SeedImage['variants'];
    for (const v of processed.variants) {
      // Content-addressed, like the worker's keys: identical bytes share one immutable object.
      const key = `seed/${sha256(v.body)}.webp`;
      await blobs.put(key, v.body, v.contentType);
      variants[v.name] = { key, width: v.width, height: v.height };
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

/** A real JPEG of a synthetic picture: the same seed always gives the same bytes. */
export function syntheticJpeg(seed: number, width: number, height: number): Promise<Buffer> {
  return sharp(syntheticPixels(seed, width, height), { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** A smooth two-colour gradient with a few soft discs: compresses like a photo, not like noise. */
function syntheticPixels(seed: number, width: number, height: number): Buffer {
  const random = seededRandom(seed);
  const a = [random.int(0, 255), random.int(0, 255), random.int(0, 255)];
  const b = [random.int(0, 255), random.int(0, 255), random.int(0, 255)];
  const discs = Array.from({ length: 5 }, () => ({
    x: random.int(0, width),
    y: random.int(0, height),
    // 60–260 px at the seed's 1280 px width, the same proportions at any other.
    r: random.int(Math.round((width * 60) / 1280), Math.round((width * 260) / 1280)),
    shade: random.int(-90, 90),
  }));
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x + y) / (width + height);
      let shade = 0;
      for (const d of discs) if ((x - d.x) ** 2 + (y - d.y) ** 2 < d.r ** 2) shade += d.shade;
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) pixels[o + c] = clamp(a[c]! * (1 - t) + b[c]! * t + shade);
    }
  }
  return pixels;
}

const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
