// Builds the web client once, so `npm start` serves the full site on a fresh clone.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const web = new URL('../apps/web/', import.meta.url).pathname;
const built = join(web, 'dist', 'index.html');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

// The bundle holds the SDK and the contracts too: a change to either makes it stale.
const packages = ['sdk', 'contracts'].map(
  (name) => new URL(`../packages/${name}/src/`, import.meta.url).pathname,
);
const sources = Math.max(
  newest(join(web, 'src')),
  newest(join(web, 'public')),
  ...packages.map(newest),
  ...['index.html', 'vite.config.ts'].map((f) => statSync(join(web, f)).mtimeMs),
);
const stale = !existsSync(built) || sources > statSync(built).mtimeMs;
if (stale) {
  console.log('Building the web client (once)…');
  execFileSync('npm', ['run', 'build', '-w', '@graminsta/web'], { stdio: 'inherit' });
}
