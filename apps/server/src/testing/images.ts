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

export { webpChunkIds } from '@graminsta/core/testing/webp';
