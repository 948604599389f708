/**
 * Six made-up photographs for bench/variants.ts, painted from a seed so every run measures the
 * same pixels: a landscape (sky, clouds, hills, foliage, a fence), a portrait (skin, hair, knit,
 * bokeh), a street of buildings (hard edges, windows, cables), leaves close up (depth of field),
 * a beach (waves, sand, skin, a striped towel) and a night street (lamps, reflections, high-ISO
 * grain). Positions and feature sizes scale with the width, so a small copy for a test is the
 * same picture.
 */
import { seededRandom } from '@graminsta/loadgen';
import { Canvas, cameraJpeg, type Scene } from './paint.ts';
import { landscape, portrait, street } from './scenes-daylight.ts';
import { beach, leaves, night } from './scenes-texture.ts';

/** A camera JPEG of scene `name` at `scale` × its full size (3000–4000 px wide at 1). */
export async function scenePhoto(name: SceneName, sizeScale = 1, seed = 1): Promise<Buffer> {
  const scene = SCENES.find((s) => s.name === name)!;
  const [width, height] = [Math.round(scene.width * sizeScale), Math.round(scene.height * sizeScale)];
  const random = seededRandom(seed * 7919 + SCENES.indexOf(scene));
  const canvas = new Canvas(width, height);
  // One unit is a pixel at 4000 px wide: features keep their proportions at any size.
  await scene.paint(canvas, random, width / 4000);
  return cameraJpeg(canvas, scene.camera, random);
}

export const SCENES: readonly Scene[] = [landscape, portrait, street, leaves, beach, night];
export type SceneName = 'landscape' | 'portrait' | 'street' | 'leaves' | 'beach' | 'night';
