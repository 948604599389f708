import sharp from 'sharp';

/** A small deterministic PRNG (mulberry32), so a seed run makes the same site twice. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hsl = (h: number, s: number, l: number) => `hsl(${Math.round(h)},${Math.round(s)}%,${Math.round(l)}%)`;

/** A generated landscape-ish picture: sky gradient, sun, hills. JPEG bytes. */
export async function makeScene(rand: () => number, width = 1200, height = 900): Promise<Buffer> {
  const hue = rand() * 360;
  const hills = Array.from({ length: 3 }, (_, i) => {
    const y = height * (0.55 + i * 0.12);
    const peak = y - height * (0.1 + rand() * 0.15);
    const mid = width * (0.2 + rand() * 0.6);
    return `<path d="M0 ${y} Q ${mid} ${peak} ${width} ${y + rand() * 60} L ${width} ${height} L 0 ${height} Z" fill="${hsl(hue + 120 + i * 15, 35 + i * 10, 30 - i * 6)}"/>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
    <stop offset="0" stop-color="${hsl(hue, 70, 55)}"/><stop offset="1" stop-color="${hsl(hue + 40, 80, 85)}"/>
  </linearGradient></defs>
  <rect width="100%" height="100%" fill="url(#sky)"/>
  <circle cx="${width * (0.15 + rand() * 0.7)}" cy="${height * (0.2 + rand() * 0.2)}" r="${60 + rand() * 80}" fill="${hsl(hue + 180, 90, 70)}"/>
  ${hills}
</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}
