// Makes the app's PNG icons from one drawing: `npx tsx apps/web/make-icons.ts`, then commit
// public/icons/*.png. Run again only when the drawing changes (the build uses the PNGs as they are).
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const PUBLIC = fileURLToPath(new URL('./public/', import.meta.url));

/** A camera on a blue-to-violet tile; `bleed` fills the whole square (maskable, Apple). */
export function iconSvg(opts: { bleed: boolean; glyphScale: number }): string {
  const radius = opts.bleed ? 0 : 112;
  const s = opts.glyphScale;
  // The camera is drawn on a 512 grid around the centre, then scaled to sit in the safe zone.
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512" height="512">` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">` +
    `<stop offset="0" stop-color="#0064d2"/><stop offset="1" stop-color="#7b3fe4"/></linearGradient></defs>` +
    `<rect width="512" height="512" rx="${radius}" fill="url(#g)"/>` +
    `<g transform="translate(256 256) scale(${s}) translate(-256 -256)" fill="none" stroke="#fff" ` +
    `stroke-width="30" stroke-linejoin="round">` +
    // A body with the viewfinder's hump on top, a lens, and a flash.
    `<path d="M124 196q0-28 28-28h52l24-36h56l24 36h52q28 0 28 28v156q0 28-28 28H152q-28 0-28-28Z"/>` +
    `<circle cx="256" cy="272" r="64"/>` +
    `<circle cx="340" cy="216" r="12" fill="#fff" stroke="none"/></g></svg>`
  );
}

async function main() {
  await mkdir(`${PUBLIC}icons`, { recursive: true });
  const any = iconSvg({ bleed: false, glyphScale: 1 });
  // Maskable: launchers may cut the tile to a circle of 80 % of its width, so the camera shrinks.
  const maskable = iconSvg({ bleed: true, glyphScale: 0.78 });
  await writeFile(`${PUBLIC}icon.svg`, `${any}\n`);
  const png = (svg: string, size: number, name: string) =>
    sharp(Buffer.from(svg), { density: 72 * (size / 512) * 2 })
      .resize(size, size)
      .png({ compressionLevel: 9 })
      .toFile(`${PUBLIC}icons/${name}`);
  await png(any, 192, 'icon-192.png');
  await png(any, 512, 'icon-512.png');
  await png(maskable, 192, 'maskable-192.png');
  await png(maskable, 512, 'maskable-512.png');
  await png(iconSvg({ bleed: true, glyphScale: 0.9 }), 180, 'apple-touch-icon.png');
}

await main();
