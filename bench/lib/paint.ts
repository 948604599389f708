/**
 * A tiny deterministic painter for bench/lib/photo-scenes.ts: float RGB canvases, fractal noise
 * fields, soft-edged shapes and a camera-like finish (lens softness, sensor grain, JPEG).
 * Encoders treat flat synthetic art very differently from photos, so a format comparison needs
 * pictures with a photo's mix of smooth gradients, fine grain, texture and hard edges.
 */
import sharp from 'sharp';
import type { Random } from '@graminsta/loadgen';

export type Rgb = readonly [number, number, number];

/** A picture painted from a seed, at its full size, with the camera finish it gets. */
export interface Scene {
  name: string;
  width: number;
  height: number;
  camera: { blur: number; grain: number; chromaGrain: number };
  paint(c: Canvas, random: Random, unit: number): Promise<void>;
}

export class Canvas {
  /** Interleaved R, G, B in 0–255 (not clamped until the finish). */
  readonly rgb: Float32Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.rgb = new Float32Array(width * height * 3);
  }

  /** Sets every pixel from `colour(x, y, i)`, where `i` is the pixel index into noise fields. */
  fill(colour: (x: number, y: number, i: number) => Rgb): void {
    for (let y = 0, i = 0; y < this.height; y++)
      for (let x = 0; x < this.width; x++, i++) this.set(i, colour(x, y, i), 1);
  }

  set(i: number, c: Rgb, alpha: number): void {
    const o = i * 3;
    for (let k = 0; k < 3; k++) this.rgb[o + k] = this.rgb[o + k]! * (1 - alpha) + c[k]! * alpha;
  }

  add(i: number, c: Rgb, amount: number): void {
    const o = i * 3;
    for (let k = 0; k < 3; k++) this.rgb[o + k] = this.rgb[o + k]! + c[k]! * amount;
  }

  /** The colour at pixel `i`, e.g. to shade what is already painted. */
  at(i: number): Rgb {
    const o = i * 3;
    return [this.rgb[o]!, this.rgb[o + 1]!, this.rgb[o + 2]!];
  }
}

/** A shape's coverage (0–1, anti-aliased over `feather` pixels) and its own coordinates. */
export interface Shape {
  box: [number, number, number, number];
  cover(x: number, y: number): number;
  /** Position inside the shape: u along its first axis, v along the second, both −1…1 at the edge. */
  local(x: number, y: number): [number, number];
}

export function ellipse(cx: number, cy: number, rx: number, ry: number, angle = 0, feather = 1.2): Shape {
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const r = Math.max(rx, ry) + feather;
  const local = (x: number, y: number): [number, number] => {
    const [dx, dy] = [x - cx, y - cy];
    return [(dx * cos + dy * sin) / rx, (-dx * sin + dy * cos) / ry];
  };
  return {
    box: [cx - r, cy - r, cx + r, cy + r],
    local,
    cover(x, y) {
      const [u, v] = local(x, y);
      return clamp01(0.5 + ((1 - Math.hypot(u, v)) * Math.min(rx, ry)) / feather);
    },
  };
}

export function rect(x0: number, y0: number, x1: number, y1: number, angle = 0, feather = 1): Shape {
  const [cx, cy, hw, hh] = [(x0 + x1) / 2, (y0 + y1) / 2, Math.abs(x1 - x0) / 2, Math.abs(y1 - y0) / 2];
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const r = Math.hypot(hw, hh) + feather;
  const along = (x: number, y: number): [number, number] => {
    const [dx, dy] = [x - cx, y - cy];
    return [dx * cos + dy * sin, -dx * sin + dy * cos];
  };
  return {
    box: [cx - r, cy - r, cx + r, cy + r],
    local: (x, y) => {
      const [a, b] = along(x, y);
      return [a / hw, b / hh];
    },
    cover(x, y) {
      const [a, b] = along(x, y);
      return clamp01(0.5 + (hw - Math.abs(a)) / feather) * clamp01(0.5 + (hh - Math.abs(b)) / feather);
    },
  };
}

/** Paints `shape` with `colour(x, y, u, v, i)` over what is there, at `opacity`. */
export function paint(
  c: Canvas,
  shape: Shape,
  colour: (x: number, y: number, u: number, v: number, i: number) => Rgb,
  opacity = 1,
): void {
  const [x0, y0, x1, y1] = shape.box.map(Math.round) as [number, number, number, number];
  for (let y = Math.max(0, y0); y < Math.min(c.height, y1 + 1); y++) {
    for (let x = Math.max(0, x0); x < Math.min(c.width, x1 + 1); x++) {
      const a = shape.cover(x, y) * opacity;
      if (a <= 0) continue;
      const [u, v] = shape.local(x, y);
      const i = y * c.width + x;
      c.set(i, colour(x, y, u, v, i), a);
    }
  }
}

/** Adds light: a Gaussian glow such as a street lamp or a specular highlight. */
export function glow(c: Canvas, cx: number, cy: number, sigma: number, colour: Rgb, strength: number): void {
  const r = sigma * 3.5;
  for (let y = Math.max(0, Math.round(cy - r)); y < Math.min(c.height, cy + r); y++) {
    for (let x = Math.max(0, Math.round(cx - r)); x < Math.min(c.width, cx + r); x++) {
      const d2 = (x - cx) ** 2 + (y - cy) ** 2;
      c.add(y * c.width + x, colour, strength * Math.exp(-d2 / (2 * sigma * sigma)));
    }
  }
}

/**
 * Fractal value noise, z-scored (mean 0, standard deviation 1): octaves of random grids, each
 * twice as fine as the last, enlarged by libvips' bicubic resampler (far faster than per-pixel
 * interpolation in JavaScript). `cellX` ≠ `cellY` stretches it: strands, waves, wood grain.
 */
export async function fractal(
  width: number,
  height: number,
  opts: { cellX: number; cellY?: number; octaves: number; gain?: number },
  random: Random,
): Promise<Float32Array> {
  const out = new Float32Array(width * height);
  const gain = opts.gain ?? 0.5;
  let amplitude = 1;
  for (let o = 0; o < opts.octaves; o++) {
    const cellX = Math.max(1.5, opts.cellX / 2 ** o);
    const cellY = Math.max(1.5, (opts.cellY ?? opts.cellX) / 2 ** o);
    const [gw, gh] = [Math.ceil(width / cellX) + 2, Math.ceil(height / cellY) + 2];
    const grid = Buffer.alloc(gw * gh);
    for (let k = 0; k < grid.length; k++) grid[k] = Math.floor(random.next() * 256);
    const layer = await sharp(grid, { raw: { width: gw, height: gh, channels: 1 } })
      .resize(width, height, { fit: 'fill', kernel: 'cubic' })
      .raw()
      .toBuffer();
    for (let k = 0; k < out.length; k++) out[k] = out[k]! + amplitude * layer[k]!;
    amplitude *= gain;
  }
  return zScore(out);
}

/** A 1-D fractal profile (z-scored), e.g. a ridge line or a shore: cheap enough in plain JavaScript. */
export function profile(length: number, cell: number, random: Random): Float32Array {
  const out = new Float32Array(length);
  let amplitude = 1;
  for (let step = cell; step >= Math.max(3, cell / 64); step /= 2, amplitude *= 0.5) {
    const knots = Array.from({ length: Math.ceil(length / step) + 2 }, () => random.next());
    for (let x = 0; x < length; x++) {
      const k = Math.floor(x / step);
      const t = x / step - k;
      out[x] = out[x]! + amplitude * (knots[k]! + (knots[k + 1]! - knots[k]!) * t * t * (3 - 2 * t));
    }
  }
  return zScore(out);
}

function zScore(values: Float32Array): Float32Array {
  let [sum, sq] = [0, 0];
  for (const v of values) [sum, sq] = [sum + v, sq + v * v];
  const mean = sum / values.length;
  const sd = Math.sqrt(Math.max(1e-9, sq / values.length - mean * mean));
  for (let k = 0; k < values.length; k++) values[k] = (values[k]! - mean) / sd;
  return values;
}

/**
 * What a camera adds: lens softness (a slight blur), sensor grain (luminance and some chroma
 * noise) and a JPEG at the quality phones save at. `grain` is the luminance noise's standard
 * deviation in 0–255 units.
 */
export async function cameraJpeg(
  c: Canvas,
  opts: { blur: number; grain: number; chromaGrain: number },
  random: Random,
): Promise<Buffer> {
  const raw = { width: c.width, height: c.height, channels: 3 as const };
  const u8 = Buffer.alloc(c.rgb.length);
  for (let k = 0; k < u8.length; k++) u8[k] = clamp255(c.rgb[k]!);
  const soft = await sharp(u8, { raw }).blur(opts.blur).raw().toBuffer();
  // Sum of three uniforms: close enough to Gaussian for grain, and far cheaper than Box–Muller.
  const gauss = () => (random.next() + random.next() + random.next() - 1.5) * 2;
  for (let o = 0; o < soft.length; o += 3) {
    const l = gauss() * opts.grain;
    for (let k = 0; k < 3; k++) soft[o + k] = clamp255(soft[o + k]! + l + gauss() * opts.chromaGrain);
  }
  return sharp(soft, { raw }).jpeg({ quality: 92 }).toBuffer();
}

export const mix = (a: Rgb, b: Rgb, t: number): Rgb => {
  const s = clamp01(t);
  return [a[0] + (b[0] - a[0]) * s, a[1] + (b[1] - a[1]) * s, a[2] + (b[2] - a[2]) * s];
};
export const scale = (c: Rgb, f: number, add = 0): Rgb => [c[0] * f + add, c[1] * f + add, c[2] * f + add];
export const smoothstep = (lo: number, hi: number, x: number) => {
  const t = clamp01((x - lo) / (hi - lo));
  return t * t * (3 - 2 * t);
};
export const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
const clamp255 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
