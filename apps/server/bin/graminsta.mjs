#!/usr/bin/env node
// Runs the compiled bundle (rebuilt by esbuild when a source changed: see compiled.mjs), which
// starts in a fraction of tsx's time; falls back to the TypeScript sources through tsx when the
// bundle cannot be built (no esbuild installed) or GRAMINSTA_SOURCES=1 asks for them.
import { compiledServer } from './compiled.mjs';

const compiled = process.env.GRAMINSTA_SOURCES === '1' ? null : await compiledServer();
if (compiled) {
  // Source maps stay off (mapping every stack trace costs CPU); NODE_OPTIONS=--enable-source-maps
  // turns them on to read stack traces against the TypeScript sources.
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
