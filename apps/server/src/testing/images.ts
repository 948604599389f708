import sharp from 'sharp';

/** A real camera-style JPEG carrying GPS EXIF and an orientation tag. */
export async function jpegWithGps(width = 1600, height = 1200): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#d2691e' } })
    .composite([
      {
        input: Buffer.from(
          `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
            `<circle cx="${width / 2}" cy="${height / 2}" r="${height / 3}" fill="#1e90ff"/></svg>`,
        ),
      },
    ])
    .jpeg({ quality: 90 })
    .withMetadata({ orientation: 1 })
    .withExifMerge({
      IFD0: { Make: 'TestCam', Model: 'E2E' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '48/1 51/1 24/1',
        GPSLongitudeRef: 'E',
        GPSLongitude: '2/1 21/1 3/1',
      },
    })
    .toBuffer();
}

/** The chunk ids of a WebP (RIFF) file: metadata would show up as EXIF, XMP or ICCP chunks. */
export function webpChunkIds(body: Buffer): string[] {
  if (
    body.subarray(0, 4).toString('latin1') !== 'RIFF' ||
    body.subarray(8, 12).toString('latin1') !== 'WEBP'
  ) {
    throw new Error('not a WebP file');
  }
  const ids: string[] = [];
  for (let at = 12; at + 8 <= body.length;) {
    const size = body.readUInt32LE(at + 4);
    ids.push(body.subarray(at, at + 4).toString('latin1'));
    at += 8 + size + (size % 2);
  }
  return ids;
}
