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

const stale = !existsSync(built) || newest(join(web, 'src')) > statSync(built).mtimeMs;
if (stale) {
  console.log('Building the web client (once)…');
  execFileSync('npm', ['run', 'build', '-w', '@graminsta/web'], { stdio: 'inherit' });
}
