/**
 * `npm run bench -- variants [--scale 1] [--scenes landscape,portrait,…]`: bytes per width
 * variant and per format on six painted photographs (bench/lib/photo-scenes.ts, 3000–4000 px
 * wide at scale 1). WebP at the pipeline's settings sets the quality bar (its SSIM against the
 * resized original); AVIF's quality is then bisected to the lowest that reaches the same SSIM,
 * and the bytes are compared. The rule: keep AVIF only if it saves at least 20 %.
 * Encode times are printed for information (one run, a busy machine: never a pass/fail figure).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { AVIF_OPTIONS, WEBP_OPTIONS, WIDTH_VARIANTS } from '@graminsta/core/media/image-pipeline';
import { SCENES, scenePhoto, type SceneName } from './lib/photo-scenes.ts';
import { encode, matchQuality, resizedReference, similarity } from './lib/variant-quality.ts';

const RESULTS = fileURLToPath(new URL('./results/variants.json', import.meta.url));
/** The decision rule. */
export const AVIF_MIN_SAVING = 0.2;

export interface Row {
  scene: string;
  variant: string;
  width: number;
  height: number;
  webp: { quality: number; bytes: number; ssim: number; ms: number };
  avif: { quality: number; bytes: number; ssim: number; ms: number; tries: number };
  /** AVIF at the pipeline's own fixed quality: what the worker really writes. */
  pipelineAvif: { quality: number; bytes: number; ssim: number; ms: number };
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await work();
  return [result, performance.now() - start];
}

export async function measureScene(original: Buffer, scene: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const v of WIDTH_VARIANTS) {
    const ref = await resizedReference(original, v.width);
    const [webp, webpMs] = await timed(() => encode(ref, 'webp', WEBP_OPTIONS.quality));
    const webpSsim = await similarity(ref, webp);
    const avif = await matchQuality(ref, 'avif', webpSsim);
    // Timed again on its own: the search's encodes ran at other qualities.
    const [, avifMs] = await timed(() => encode(ref, 'avif', avif.quality));
    const [fixed, fixedMs] = await timed(() => encode(ref, 'avif', AVIF_OPTIONS.quality));
    rows.push({
      scene,
      variant: v.name,
      width: ref.width,
      height: ref.height,
      webp: { quality: WEBP_OPTIONS.quality, bytes: webp.length, ssim: webpSsim, ms: webpMs },
      avif: { ...avif, ms: avifMs },
      pipelineAvif: {
        quality: AVIF_OPTIONS.quality,
        bytes: fixed.length,
        ssim: await similarity(ref, fixed),
        ms: fixedMs,
      },
    });
  }
  return rows;
}

export interface Summary {
  variant: string;
  images: number;
  webpBytes: number;
  avifBytes: number;
  webpSsim: number;
  avifSsim: number;
  avifQuality: number;
  webpMs: number;
  avifMs: number;
  /** 1 − AVIF bytes / WebP bytes, over all images of this variant (or of all variants). */
  saving: number;
  pipeline: { quality: number; bytes: number; ssim: number; ms: number; saving: number };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export function summarise(rows: Row[]): Summary[] {
  const groups = [...WIDTH_VARIANTS.map((v) => v.name), 'all'];
  return groups.map((variant) => {
    const g = rows.filter((r) => variant === 'all' || r.variant === variant);
    const [webpBytes, avifBytes] = [mean(g.map((r) => r.webp.bytes)), mean(g.map((r) => r.avif.bytes))];
    return {
      variant,
      images: g.length,
      webpBytes,
      avifBytes,
      webpSsim: mean(g.map((r) => r.webp.ssim)),
      avifSsim: mean(g.map((r) => r.avif.ssim)),
      avifQuality: mean(g.map((r) => r.avif.quality)),
      webpMs: mean(g.map((r) => r.webp.ms)),
      avifMs: mean(g.map((r) => r.avif.ms)),
      saving: 1 - avifBytes / webpBytes,
      pipeline: {
        quality: AVIF_OPTIONS.quality,
        bytes: mean(g.map((r) => r.pipelineAvif.bytes)),
        ssim: mean(g.map((r) => r.pipelineAvif.ssim)),
        ms: mean(g.map((r) => r.pipelineAvif.ms)),
        saving: 1 - mean(g.map((r) => r.pipelineAvif.bytes)) / webpBytes,
      },
    };
  });
}

export function summaryTable(summaries: Summary[]): string {
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  const lines = [
    '| variant | format | quality | mean bytes | mean SSIM | mean encode | AVIF saving |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of summaries) {
    lines.push(
      `| ${s.variant} | WebP | ${WEBP_OPTIONS.quality} | ${kb(s.webpBytes)} | ${s.webpSsim.toFixed(4)} | ${s.webpMs.toFixed(0)} ms | |`,
      `| ${s.variant} | AVIF, matched | ${s.avifQuality.toFixed(1)} (mean) | ${kb(s.avifBytes)} | ${s.avifSsim.toFixed(4)} | ${s.avifMs.toFixed(0)} ms | ${(s.saving * 100).toFixed(1)} % |`,
      `| ${s.variant} | AVIF, pipeline | ${s.pipeline.quality} | ${kb(s.pipeline.bytes)} | ${s.pipeline.ssim.toFixed(4)} | ${s.pipeline.ms.toFixed(0)} ms | ${(s.pipeline.saving * 100).toFixed(1)} % |`,
    );
  }
  return lines.join('\n');
}

function rowTable(rows: Row[]): string {
  const lines = [
    `| image | variant | size | WebP bytes | WebP SSIM | AVIF q | AVIF bytes | AVIF SSIM | saving | AVIF q${AVIF_OPTIONS.quality} bytes | its SSIM |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const saving = ((1 - r.avif.bytes / r.webp.bytes) * 100).toFixed(1);
    lines.push(
      `| ${r.scene} | ${r.variant} | ${r.width}×${r.height} | ${r.webp.bytes} | ${r.webp.ssim.toFixed(4)} | ` +
        `${r.avif.quality} | ${r.avif.bytes} | ${r.avif.ssim.toFixed(4)} | ${saving} % | ` +
        `${r.pipelineAvif.bytes} | ${r.pipelineAvif.ssim.toFixed(4)} |`,
    );
  }
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scale: { type: 'string', default: '1' },
      scenes: { type: 'string', default: SCENES.map((s) => s.name).join(',') },
    },
  });
  const sizeScale = Number(values.scale);
  if (!(sizeScale > 0 && sizeScale <= 1)) throw new Error('--scale must be a number in (0, 1]');
  const names = values.scenes.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !SCENES.some((s) => s.name === n));
  if (unknown.length > 0)
    throw new Error(
      `unknown scene(s) ${unknown.join(', ')}; choose from ${SCENES.map((s) => s.name).join(', ')}`,
    );

  console.log(
    `Variant sizes: WebP ${JSON.stringify(WEBP_OPTIONS)} vs AVIF ${JSON.stringify(AVIF_OPTIONS)} at matched SSIM, ` +
      `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}`,
  );
  const rows: Row[] = [];
  for (const name of names) {
    const [original, ms] = await timed(() => scenePhoto(name as SceneName, sizeScale));
    const meta = await sharp(original).metadata();
    console.log(
      `   ${name}: ${meta.width}×${meta.height} JPEG, ${original.length} bytes, painted in ${(ms / 1000).toFixed(1)} s`,
    );
    const sceneRows = await measureScene(original, name);
    for (const r of sceneRows)
      console.log(
        `      ${r.variant}: WebP ${r.webp.bytes} B (SSIM ${r.webp.ssim.toFixed(4)}), ` +
          `AVIF q${r.avif.quality} ${r.avif.bytes} B (SSIM ${r.avif.ssim.toFixed(4)}, ${r.avif.tries} tries)`,
      );
    rows.push(...sceneRows);
  }
  const summaries = summarise(rows);
  const overall = summaries.find((s) => s.variant === 'all')!;
  const keep = overall.saving >= AVIF_MIN_SAVING;
  await mkdir(dirname(RESULTS), { recursive: true });
  await writeFile(
    RESULTS,
    JSON.stringify(
      { at: new Date().toISOString(), sizeScale, webp: WEBP_OPTIONS, avif: AVIF_OPTIONS, rows, summaries },
      null,
      2,
    ),
  );
  console.log(`\n${rowTable(rows)}\n\n${summaryTable(summaries)}\n`);
  console.log(
    `AVIF saves ${(overall.saving * 100).toFixed(1)} % over all variants at matched SSIM: ` +
      (keep
        ? `at least ${AVIF_MIN_SAVING * 100} %, so AVIF is worth keeping.`
        : `under ${AVIF_MIN_SAVING * 100} %, so the pipeline stays WebP.`),
  );
  console.log(`JSON: ${RESULTS}`);
}
