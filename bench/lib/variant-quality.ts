/**
 * The measuring tools of bench/variants.ts: the reference pixels of a variant, encoding them as
 * WebP or AVIF, SSIM of the decoded result against the reference, and the bisection that finds the
 * lowest encoder quality reaching a target SSIM ("matched quality").
 */
import sharp from 'sharp';
import { ssim } from 'ssim.js';
import { AVIF_OPTIONS, WEBP_OPTIONS } from '@graminsta/core/media/image-pipeline';

/** 8-bit RGB pixels, row by row. */
export interface Pixels {
  data: Buffer;
  width: number;
  height: number;
}

export type Format = 'webp' | 'avif';

/** What both encoders start from: the original, auto-oriented, fit inside `width`, never enlarged. */
export async function resizedReference(original: Buffer, width: number): Promise<Pixels> {
  const { data, info } = await sharp(original, { autoOrient: true })
    .resize({ width, withoutEnlargement: true })
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Encodes with the pipeline's settings for `format` (4:2:0 chroma for both), except for `quality`. */
export async function encode(ref: Pixels, format: Format, quality: number): Promise<Buffer> {
  const image = sharp(ref.data, { raw: { width: ref.width, height: ref.height, channels: 3 } });
  return format === 'webp'
    ? image.webp({ ...WEBP_OPTIONS, quality }).toBuffer()
    : image.avif({ ...AVIF_OPTIONS, quality }).toBuffer();
}

/**
 * Mean SSIM (Wang et al. 2004, on luma) of the decoded `encoded` against `ref`, at full
 * resolution: ssim.js would otherwise shrink large images first, which hides compression artefacts.
 */
export async function similarity(ref: Pixels, encoded: Buffer): Promise<number> {
  const decoded = await sharp(encoded)
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (decoded.info.width !== ref.width || decoded.info.height !== ref.height)
    throw new Error(
      `decoded ${decoded.info.width}×${decoded.info.height}, expected ${ref.width}×${ref.height}`,
    );
  return ssim(rgba(ref.data, ref), rgba(decoded.data, ref), { downsample: false }).mssim;
}

function rgba(rgb: Buffer, size: { width: number; height: number }) {
  const data = new Uint8ClampedArray(size.width * size.height * 4);
  for (let p = 0, o = 0; o < rgb.length; p += 4, o += 3) {
    data[p] = rgb[o]!;
    data[p + 1] = rgb[o + 1]!;
    data[p + 2] = rgb[o + 2]!;
    data[p + 3] = 255;
  }
  return { data, width: size.width, height: size.height };
}

/**
 * The lowest integer in [lo, hi] for which `passes` holds, or null if even `hi` fails, assuming
 * `passes` is monotone (false below some point, true from it on): about log2(hi − lo) calls.
 */
export async function lowestPassing(
  lo: number,
  hi: number,
  passes: (q: number) => Promise<boolean>,
): Promise<number | null> {
  if (!(await passes(hi))) return null;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (await passes(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export interface Encoded {
  quality: number;
  bytes: number;
  ssim: number;
  /** Encoder calls the search made (each also decoded and compared). */
  tries: number;
}

/**
 * The lowest `format` quality whose SSIM reaches `target`, by bisection over 1–100. Encoder
 * quality is only nearly monotone in SSIM; the result is always one that reaches the target
 * (or 100, flagged by its SSIM, if none does).
 */
export async function matchQuality(ref: Pixels, format: Format, target: number): Promise<Encoded> {
  const tried = new Map<number, Encoded>();
  const at = async (quality: number) => {
    let e = tried.get(quality);
    if (!e) {
      const encoded = await encode(ref, format, quality);
      e = { quality, bytes: encoded.length, ssim: await similarity(ref, encoded), tries: 0 };
      tried.set(quality, e);
    }
    return e;
  };
  const quality = (await lowestPassing(1, 100, async (q) => (await at(q)).ssim >= target)) ?? 100;
  return { ...(await at(quality)), tries: tried.size };
}
