import sharp from 'sharp';
import { seededRandom } from './random.ts';

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
