// The compiled server for `graminsta`: one esbuild bundle of apps/server/src/main.ts and the
// workspace packages in apps/server/dist/, rebuilt only when a source is newer than it.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ENTRY = join(ROOT, 'apps/server/src/main.ts');
export const BUNDLE = join(ROOT, 'apps/server/dist/graminsta.mjs');
const SOURCE_DIRS = ['apps/server/src', 'apps/server/bin', 'packages', 'package-lock.json'];

function newest(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    latest = Math.max(latest, newest(join(path, entry.name)));
  }
  return latest;
}

/** True when the bundle is missing or any server or workspace source changed after it was built. */
export function bundleIsStale() {
  if (!existsSync(BUNDLE)) return true;
  const built = statSync(BUNDLE).mtimeMs;
  return SOURCE_DIRS.some((dir) => newest(join(ROOT, dir)) > built);
}

// A bundled module's import.meta.url is the bundle's; paths the sources build from it
// (migrations, the web build, the bin for child processes) must stay relative to the source file.
const sourceUrlsPlugin = {
  name: 'source-import-meta',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
      const text = await readFile(path, 'utf8');
      if (!text.includes('import.meta.')) return undefined;
      const fromBundle = relative(dirname(BUNDLE), path).split('\\').join('/');
      const url = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
      const contents = text
        .replaceAll('import.meta.url', url)
        .replaceAll('import.meta.dirname', `__gm_dirname(${url})`)
        .replaceAll('import.meta.filename', `__gm_filename(${url})`);
      return { contents, loader: 'ts' };
    });
    // Third-party packages stay in node_modules; only the workspace's TypeScript is bundled.
    build.onResolve({ filter: /^[^./]/ }, ({ path }) =>
      path.startsWith('@graminsta/') ? undefined : { path, external: true },
    );
  },
};

const BANNER = [
  "import { fileURLToPath as __gm_toPath } from 'node:url';",
  "import { dirname as __gm_dir } from 'node:path';",
  'const __gm_filename = (u) => __gm_toPath(u);',
  'const __gm_dirname = (u) => __gm_dir(__gm_toPath(u));',
].join('\n');

/**
 * Builds the bundle, with the lazily imported commands (seed, up, migrate) in chunks of their own so
 * their dependencies load only when used. Chunks have content-hashed names and the entry is
 * renamed into place last, so a concurrent start never sees half a build.
 */
export async function buildBundle() {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: { graminsta: ENTRY },
    outdir: dirname(BUNDLE),
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.11',
    outExtension: { '.js': '.mjs' },
    // Beside the entry: the import.meta.url rewrite above is relative to the bundle's folder.
    chunkNames: '[name]-[hash]',
    sourcemap: 'linked',
    write: false,
    logLevel: 'silent',
    banner: { js: BANNER },
    plugins: [sourceUrlsPlugin],
  });
  const entryLast = [...result.outputFiles].sort((a) => (a.path === BUNDLE ? 1 : -1));
  for (const file of entryLast) {
    mkdirSync(dirname(file.path), { recursive: true });
    const temporary = `${file.path}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, file.contents);
      renameSync(temporary, file.path);
    } finally {
      rmSync(temporary, { force: true });
    }
  }
  pruneOldChunks(new Set(result.outputFiles.map((f) => f.path)));
}

// Chunks of earlier builds, once no process started a day ago can still import them lazily.
function pruneOldChunks(current) {
  const dir = dirname(BUNDLE);
  const dayAgo = Date.now() - 86_400_000;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (path !== BUNDLE && !current.has(path) && statSync(path).mtimeMs < dayAgo)
      rmSync(path, { force: true });
  }
}

/** The URL of an up-to-date bundle, building it first when stale; null when it cannot be built. */
export async function compiledServer() {
  try {
    if (bundleIsStale()) await buildBundle();
    return pathToFileURL(BUNDLE).href;
  } catch (err) {
    if (process.env.GRAMINSTA_DEBUG_BUILD) console.error(err);
    return null;
  }
}
