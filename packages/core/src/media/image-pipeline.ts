import type { Metadata, Sharp } from 'sharp';
import type { VariantName } from '@graminsta/contracts';

// Loaded on the first image, not at start-up: libvips is a large native library to map and init.
const loadSharp = async () => (await import('sharp')).default;

export interface ProcessedVariant {
  name: VariantName;
  body: Buffer;
  width: number;
  height: number;
  contentType: 'image/webp';
  /** The same pixels as AVIF, for width variants only (browsers that cannot read it get the WebP). */
  avif?: Buffer;
}

/**
 * Where a width variant's AVIF twin is kept among a photo's stored variants ("w640.avif"): beside
 * the WebP entries, so everything that walks the stored variants (deleting a photo) sees it too.
 */
export const avifSlot = (name: VariantName): string => `${name}.avif`;

export interface ProcessedImage {
  /** Dimensions of the original after EXIF orientation is applied. */
  width: number;
  height: number;
  placeholderColor: string;
  variants: ProcessedVariant[];
}

export interface ProcessImageOptions {
  /** Largest width × height accepted; checked from the header, before any pixel is decoded. */
  maxPixels: number;
}

/** The bytes are not an image we accept; `message` is a reason fit to show the uploader. */
export class ImageRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageRejectedError';
  }
}

// Decoders we trust with user bytes; SVG, TIFF and raw are refused even though sharp reads them.
const ACCEPTED_FORMATS = new Set<string>(['jpeg', 'png', 'webp', 'gif', 'heif']);

/** Fit inside these widths, never enlarged; w2048 is the full-resolution view for large screens. */
export const WIDTH_VARIANTS: ReadonlyArray<{ name: VariantName; width: number }> = [
  { name: 'w640', width: 640 },
  { name: 'w1080', width: 1080 },
  { name: 'w2048', width: 2048 },
];
const THUMB_SIZE = 320;
const LARGEST_WIDTH = Math.max(...WIDTH_VARIANTS.map((v) => v.width));
/** Shared with bench/variants.ts, which measures these settings against AVIF. */
export const WEBP_OPTIONS = { quality: 82, effort: 4 } as const;
/**
 * AVIF beside WebP: at the same SSIM it saves well over the 20 % that makes it worth a second file
 * (bench/README.md, "Variant sizes", where the effect of this quality is measured too). 4:2:0 chroma
 * like WebP's lossy mode: sharp's 4:4:4 default spends bytes on colour detail WebP never keeps.
 */
export const AVIF_OPTIONS = { quality: 55, effort: 4, chromaSubsampling: '4:2:0' } as const;

export async function processImage(bytes: Buffer, opts: ProcessImageOptions): Promise<ProcessedImage> {
  const meta = await readHeader(bytes);
  const pixels = meta.width * meta.height;
  if (pixels > opts.maxPixels) {
    throw new ImageRejectedError(`image too large: ${pixels} pixels > limit of ${opts.maxPixels}`);
  }
  const { width, height } = meta.autoOrient;
  try {
    const working = await decodeWorkingCopy(bytes, opts.maxPixels);
    const thumb = await encode(
      working().resize(THUMB_SIZE, THUMB_SIZE, { fit: 'cover', position: 'centre' }),
    );
    const resized = (width: number) => working().resize({ width, withoutEnlargement: true });
    const sized = await Promise.all(WIDTH_VARIANTS.map((v) => encode(resized(v.width))));
    // One AVIF at a time: an AV1 encoder holds far more state than WebP's, so parallel ones multiply the peak.
    const avif: Buffer[] = [];
    for (const v of WIDTH_VARIANTS) avif.push(await resized(v.width).avif(AVIF_OPTIONS).toBuffer());
    const variants: ProcessedVariant[] = [
      { name: 'thumb', ...thumb },
      ...WIDTH_VARIANTS.map((v, i) => ({ name: v.name, ...sized[i]!, avif: avif[i]! })),
    ];
    return { width, height, placeholderColor: await dominantColour(working()), variants };
  } catch (err) {
    throw new ImageRejectedError(`image data is corrupt: ${reasonOf(err)}`);
  }
}

/**
 * Decodes the original once, auto-oriented, into raw pixels just big enough for every variant
 * (at least 2048 wide and 320 on the short side); each variant then starts from this copy, so a
 * 48-megapixel upload is held in memory once at about 2048 × 1536, not once per variant.
 */
async function decodeWorkingCopy(bytes: Buffer, maxPixels: number): Promise<() => Sharp> {
  const sharp = await loadSharp();
  // 'error' aborts on corrupt or truncated data but tolerates the harmless warnings many cameras trigger.
  const { data, info } = await sharp(bytes, {
    limitInputPixels: maxPixels,
    failOn: 'error',
    autoOrient: true,
  })
    .resize({ width: LARGEST_WIDTH, height: THUMB_SIZE, fit: 'outside', withoutEnlargement: true })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: info.channels };
  return () => sharp(data, { raw });
}

async function readHeader(bytes: Buffer): Promise<Metadata> {
  const sharp = await loadSharp();
  let meta: Metadata;
  try {
    // metadata() parses the header only, so a decompression bomb costs nothing here.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new ImageRejectedError('not an image');
  }
  if (!ACCEPTED_FORMATS.has(meta.format))
    throw new ImageRejectedError(`unsupported image format: ${meta.format}`);
  if (!(meta.width > 0 && meta.height > 0)) throw new ImageRejectedError('not an image');
  return meta;
}

// Sharp writes no EXIF, ICC or XMP unless asked (withMetadata/keep*), so every variant (WebP or AVIF) is stripped.
async function encode(pipeline: Sharp): Promise<Omit<ProcessedVariant, 'name'>> {
  const { data, info } = await pipeline.webp(WEBP_OPTIONS).toBuffer({ resolveWithObject: true });
  return { body: data, width: info.width, height: info.height, contentType: 'image/webp' };
}

async function dominantColour(pipeline: Sharp): Promise<string> {
  // Statistics of a small copy: the dominant colour does not need every pixel.
  const small = await pipeline.resize(64, 64, { fit: 'inside' }).png().toBuffer();
  const sharp = await loadSharp();
  const { dominant } = await sharp(small).stats();
  return `#${[dominant.r, dominant.g, dominant.b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

function reasonOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.slice(0, 200);
}
