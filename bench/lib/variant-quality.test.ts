import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { WEBP_OPTIONS } from '@graminsta/core/media/image-pipeline';
import { summarise, type Row } from '../variants.ts';
import { SCENES, scenePhoto } from './photo-scenes.ts';
import { encode, lowestPassing, matchQuality, resizedReference, similarity } from './variant-quality.ts';

describe('lowestPassing', () => {
  it('finds the first passing value of a monotone test in about log2(n) calls', async () => {
    for (const threshold of [1, 2, 37, 63, 99, 100]) {
      const asked: number[] = [];
      const found = await lowestPassing(1, 100, async (q) => {
        asked.push(q);
        return q >= threshold;
      });
      expect(found).toBe(threshold);
      expect(asked.length).toBeLessThanOrEqual(8);
    }
  });

  it('answers null when even the highest value fails', async () => {
    expect(await lowestPassing(1, 100, async () => false)).toBeNull();
  });
});

describe('the painted photos', () => {
  it('are six or more, 3000–4000 px wide at full size', () => {
    expect(SCENES.length).toBeGreaterThanOrEqual(6);
    for (const s of SCENES) expect(s.width >= 3000 && s.width <= 4000, s.name).toBe(true);
  });

  it('are the same bytes from the same seed, and differ between scenes and seeds', async () => {
    const a = await scenePhoto('beach', 0.05);
    expect((await scenePhoto('beach', 0.05)).equals(a)).toBe(true);
    expect((await scenePhoto('beach', 0.05, 2)).equals(a)).toBe(false);
    expect((await scenePhoto('leaves', 0.05)).equals(a)).toBe(false);
    expect(await sharp(a).metadata()).toMatchObject({ format: 'jpeg', width: 200, height: 113 });
  });
});

describe('matched quality', () => {
  it('scores a lossless copy 1 and a harsher encoding lower than a gentler one', async () => {
    const ref = await resizedReference(await scenePhoto('street', 0.06), 640);
    const lossless = await sharp(ref.data, { raw: { width: ref.width, height: ref.height, channels: 3 } })
      .png()
      .toBuffer();
    expect(await similarity(ref, lossless)).toBeCloseTo(1, 6);
    const [rough, fine] = [await encode(ref, 'webp', 10), await encode(ref, 'webp', 90)];
    expect(await similarity(ref, rough)).toBeLessThan(await similarity(ref, fine));
  });

  it('finds the lowest AVIF quality whose SSIM reaches WebP’s, and one step lower misses it', async () => {
    const ref = await resizedReference(await scenePhoto('portrait', 0.06), 640);
    expect([ref.width, ref.height]).toEqual([180, 240]);
    const target = await similarity(ref, await encode(ref, 'webp', WEBP_OPTIONS.quality));
    const found = await matchQuality(ref, 'avif', target);
    expect(found.ssim).toBeGreaterThanOrEqual(target);
    expect(found.quality).toBeGreaterThan(1);
    expect(found.tries).toBeLessThanOrEqual(8);
    const avif = await encode(ref, 'avif', found.quality);
    expect(await sharp(avif).metadata()).toMatchObject({ format: 'heif', compression: 'av1' });
    expect(avif.length).toBe(found.bytes);
    expect(await similarity(ref, await encode(ref, 'avif', found.quality - 1))).toBeLessThan(target);
  });
});

describe('summarise', () => {
  const row = (variant: string, webp: number, avif: number): Row => ({
    scene: 'x',
    variant,
    width: 1,
    height: 1,
    webp: { quality: 82, bytes: webp, ssim: 0.95, ms: 1 },
    avif: { quality: 60, bytes: avif, ssim: 0.96, ms: 2, tries: 7 },
    pipelineAvif: { quality: 55, bytes: avif / 2, ssim: 0.94, ms: 2 },
  });

  it('reports the saving as 1 − AVIF bytes / WebP bytes per variant and over all', () => {
    const rows = [row('w640', 100, 90), row('w640', 300, 150), row('w2048', 1000, 900)];
    const by = Object.fromEntries(summarise(rows).map((s) => [s.variant, s]));
    expect(by.w640).toMatchObject({ images: 2, webpBytes: 200, avifBytes: 120 });
    expect(by.w640!.saving).toBeCloseTo(0.4, 9);
    expect(by.w1080!.images).toBe(0);
    expect(by.w2048!.saving).toBeCloseTo(0.1, 9);
    expect(by.all!.saving).toBeCloseTo(1 - 1140 / 1400, 9);
    expect(by.all!.pipeline.saving).toBeCloseTo(1 - 570 / 1400, 9);
  });
});
