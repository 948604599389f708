import { deflateSync } from 'node:zlib';
import exifr from 'exifr';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { webpChunkIds } from '../testing/webp.ts';
import { ImageRejectedError, processImage, type ProcessedImage } from './image-pipeline.ts';

const MAX_PIXELS = 50_000_000;

const solid = (width: number, height: number, colour = '#3366cc') =>
  sharp({ create: { width, height, channels: 3, background: colour } });

/** A phone-style JPEG: stored 400×200 landscape, EXIF says "rotate 90° CW", with GPS and camera tags. */
async function phoneJpeg(): Promise<Buffer> {
  return solid(400, 200)
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExifMerge({
      IFD0: { Make: 'AcmeCam', Model: 'Pocket 3' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '51/1 30/1 0/1',
        GPSLongitudeRef: 'W',
        GPSLongitude: '0/1 7/1 0/1',
      },
    })
    .withIccProfile('p3')
    .withXmp(
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
        '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Secret Person</dc:creator>' +
        '</rdf:Description></rdf:RDF></x:xmpmeta>',
    )
    .toBuffer();
}

/** A valid 1-bit greyscale PNG whose header claims width × height: tiny on disk, huge when decoded. */
function pngBomb(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const rowBytes = 1 + Math.ceil(width / 8);
  const pixels = deflateSync(Buffer.alloc(rowBytes * height), { level: 9 });
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const variant = (img: ProcessedImage, name: string) => {
  const v = img.variants.find((x) => x.name === name);
  expect(v, `variant ${name}`).toBeDefined();
  return v!;
};

async function rejection(p: Promise<unknown>): Promise<ImageRejectedError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageRejectedError);
  return err as ImageRejectedError;
}

describe('processImage', () => {
  it('auto-orients a phone JPEG and strips every piece of metadata from its variants', async () => {
    const input = await phoneJpeg();
    // The fixture really carries what we mean to strip.
    expect(await exifr.gps(input)).toEqual({ latitude: 51.5, longitude: expect.closeTo(-0.1167, 3) });
    const inputMeta = await sharp(input).metadata();
    expect(inputMeta.orientation).toBe(6);
    expect(inputMeta.icc && inputMeta.xmp && inputMeta.exif).toBeTruthy();

    const img = await processImage(input, { maxPixels: MAX_PIXELS });
    expect([img.width, img.height]).toEqual([200, 400]);
    expect(img.variants.map((v) => v.name).sort()).toEqual(['thumb', 'w1080', 'w2048', 'w640']);

    for (const v of img.variants) {
      expect(v.contentType).toBe('image/webp');
      const meta = await sharp(v.body).metadata();
      expect(meta.format).toBe('webp');
      expect([meta.width, meta.height]).toEqual([v.width, v.height]);
      expect(meta.exif).toBeUndefined();
      expect(meta.icc).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.orientation).toBeUndefined();
      expect(webpChunkIds(v.body).filter((id) => !['VP8 ', 'VP8L', 'VP8X', 'ALPH'].includes(id))).toEqual([]);
      for (const secret of ['AcmeCam', 'Secret Person', 'Exif']) expect(v.body.includes(secret)).toBe(false);
    }
    // Width variants also come as AVIF, just as stripped; the thumbnail stays WebP only.
    expect(variant(img, 'thumb').avif).toBeUndefined();
    for (const v of img.variants.filter((x) => x.name !== 'thumb')) {
      const meta = await sharp(v.avif!).metadata();
      expect([meta.format, meta.compression, meta.width, meta.height]).toEqual([
        'heif',
        'av1',
        v.width,
        v.height,
      ]);
      expect([meta.exif, meta.icc, meta.xmp, meta.orientation]).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
      for (const secret of ['AcmeCam', 'Secret Person', 'Exif']) expect(v.avif!.includes(secret)).toBe(false);
    }
    // Portrait after rotation: widths are capped at the original 200 px, heights follow the aspect.
    expect(variant(img, 'w640')).toMatchObject({ width: 200, height: 400 });
    expect(variant(img, 'thumb')).toMatchObject({ width: 320, height: 320 });
  });

  it('rotates pixels, not just dimensions', async () => {
    // Left half red, right half blue; EXIF orientation 6 turns the left half into the top half.
    const left = await solid(100, 100, '#ff0000').png().toBuffer();
    const input = await solid(200, 100, '#0000ff')
      .composite([{ input: left, left: 0, top: 0 }])
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const img = await processImage(input, { maxPixels: MAX_PIXELS });
    const { data, info } = await sharp(variant(img, 'w640').body).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([100, 200]);
    const px = (x: number, y: number) => [
      ...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3),
    ];
    expect(px(50, 20)[0]).toBeGreaterThan(200); // top is red
    expect(px(50, 180)[2]).toBeGreaterThan(200); // bottom is blue
  });

  it('makes 640 and 1080 wide variants of a big PNG, keeping the aspect, and a dominant colour', async () => {
    const input = await solid(2000, 1000, '#20a040').png().toBuffer();
    const img = await processImage(input, { maxPixels: MAX_PIXELS });
    expect([img.width, img.height]).toEqual([2000, 1000]);
    expect(variant(img, 'w640')).toMatchObject({ width: 640, height: 320 });
    expect(variant(img, 'w1080')).toMatchObject({ width: 1080, height: 540 });
    // Under 2048 wide, the full-resolution variant keeps the original size rather than enlarging it.
    expect(variant(img, 'w2048')).toMatchObject({ width: 2000, height: 1000 });
    expect(variant(img, 'thumb')).toMatchObject({ width: 320, height: 320 });
    expect(img.placeholderColor).toMatch(/^#[0-9a-f]{6}$/);
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(img.placeholderColor.slice(i, i + 2), 16));
    expect(g!).toBeGreaterThan(r! + 60);
    expect(g!).toBeGreaterThan(b! + 60);
  });

  it('never upscales a 500 px wide WebP', async () => {
    const input = await solid(500, 250).webp().toBuffer();
    const img = await processImage(input, { maxPixels: MAX_PIXELS });
    expect(variant(img, 'w640')).toMatchObject({ width: 500, height: 250 });
    expect(variant(img, 'w1080')).toMatchObject({ width: 500, height: 250 });
    expect(variant(img, 'w2048')).toMatchObject({ width: 500, height: 250 });
  });

  it('makes a 2048 wide full-resolution variant of a camera-sized JPEG, with its detail and without its GPS', async () => {
    // Stripes eight pixels wide in the original are two wide at 2048 px: a variant enlarged from a
    // smaller copy (1080 px, say) would blur them away; a real 2048 px one keeps their contrast.
    const [width, height] = [8192, 4096];
    const stripes = Buffer.alloc(width * height);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) stripes[y * width + x] = Math.floor(x / 8) % 2 ? 230 : 25;
    const input = await sharp(stripes, { raw: { width, height, channels: 1 } })
      .jpeg({ quality: 90 })
      .withExifMerge({
        IFD0: { Make: 'AcmeCam' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '48/1 51/1 0/1',
          GPSLongitudeRef: 'E',
          GPSLongitude: '2/1 21/1 0/1',
        },
      })
      .toBuffer();
    expect(await exifr.gps(input)).toMatchObject({ latitude: expect.closeTo(48.85, 2) });

    const img = await processImage(input, { maxPixels: MAX_PIXELS });
    const full = variant(img, 'w2048');
    expect(full).toMatchObject({ width: 2048, height: 1024, contentType: 'image/webp' });
    // exifr cannot read WebP: the container's chunk list shows there is no EXIF (nor XMP) chunk at all.
    expect(webpChunkIds(full.body).filter((id) => !['VP8 ', 'VP8L', 'VP8X', 'ALPH'].includes(id))).toEqual(
      [],
    );
    const meta = await sharp(full.body).metadata();
    expect([meta.format, meta.width, meta.height, meta.exif, meta.icc]).toEqual([
      'webp',
      2048,
      1024,
      undefined,
      undefined,
    ]);
    expect(full.body.includes('AcmeCam')).toBe(false);
    const avif = await sharp(full.avif!).metadata();
    expect([avif.compression, avif.width, avif.height, avif.exif]).toEqual(['av1', 2048, 1024, undefined]);
    expect(full.avif!.includes('AcmeCam') || full.avif!.includes('Exif')).toBe(false);

    const row = await sharp(full.body)
      .greyscale()
      .extract({ left: 0, top: 512, width: 2048, height: 1 })
      .raw()
      .toBuffer();
    // Pixel by pixel against the stripes the original holds at this scale: an enlarged copy shows moiré.
    let error = 0;
    for (let x = 8; x < 2040; x++) error += Math.abs(row[x]! - (Math.floor(x / 2) % 2 ? 230 : 25));
    expect(error / 2032).toBeLessThan(30);
    expect(variant(img, 'w1080')).toMatchObject({ width: 1080, height: 540 });
  });

  it('keeps a sharp square thumbnail of a wide panorama', async () => {
    const input = await solid(4000, 400).jpeg().toBuffer();
    const img = await processImage(input, { maxPixels: MAX_PIXELS });
    expect(variant(img, 'w1080')).toMatchObject({ width: 1080, height: 108 });
    expect(variant(img, 'thumb')).toMatchObject({ width: 320, height: 320 });
  });

  it('handles greyscale with transparency', async () => {
    const input = await sharp({
      create: { width: 700, height: 700, channels: 4, background: { r: 90, g: 90, b: 90, alpha: 0.5 } },
    })
      .greyscale()
      .png()
      .toBuffer();
    const img = await processImage(input, { maxPixels: MAX_PIXELS });
    const meta = await sharp(variant(img, 'w640').body).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 640, height: 640, hasAlpha: true });
  });

  it('refuses a PDF posing as a JPEG', async () => {
    const pdf = Buffer.from(
      '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
    );
    expect((await rejection(processImage(pdf, { maxPixels: MAX_PIXELS }))).message).toBe('not an image');
    const text = Buffer.from('hello, I am definitely a JPEG');
    expect((await rejection(processImage(text, { maxPixels: MAX_PIXELS }))).message).toBe('not an image');
  });

  it('refuses formats it does not accept, such as SVG', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    );
    expect((await rejection(processImage(svg, { maxPixels: MAX_PIXELS }))).message).toBe(
      'unsupported image format: svg',
    );
  });

  it('refuses a JPEG whose pixel data is cut off', async () => {
    const full = await solid(800, 600).jpeg().toBuffer();
    const cut = full.subarray(0, Math.floor(full.length / 3));
    expect((await rejection(processImage(cut, { maxPixels: MAX_PIXELS }))).message).toMatch(
      /^image data is corrupt/,
    );
  });

  it('refuses a decompression bomb from its header, without decoding it', async () => {
    const bomb = pngBomb(20_000, 20_000);
    expect(bomb.length).toBeLessThan(200_000);
    expect(await sharp(bomb, { limitInputPixels: false }).metadata()).toMatchObject({
      format: 'png',
      width: 20_000,
      height: 20_000,
    });
    const err = await rejection(processImage(bomb, { maxPixels: MAX_PIXELS }));
    expect(err.message).toBe('image too large: 400000000 pixels > limit of 50000000');
  });

  it('applies the pixel limit it is given', async () => {
    const input = await solid(300, 300).png().toBuffer();
    expect((await rejection(processImage(input, { maxPixels: 300 * 299 }))).message).toMatch(
      /^image too large: 90000 pixels/,
    );
    await expect(processImage(input, { maxPixels: 300 * 300 })).resolves.toMatchObject({ width: 300 });
  });
});
