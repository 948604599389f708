import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { openDatabase } from './db.ts';

/**
 * A prebuilt, migrated PGlite data folder (dumped with dumpDataDir) that a fresh stage-1 folder
 * starts from: initdb in WebAssembly is most of a cold start. The manifest says which
 * migrations and which PGlite built it, so a template that no longer fits is never loaded.
 */
export const TEMPLATE_ARCHIVE = 'pglite.tar.gz';
export const TEMPLATE_MANIFEST = 'manifest.json';
export const STAGE1_SHARED_BUFFERS = '32MB';

export interface TemplateManifest {
  pglite: string;
  /** sha256 of each migration file, in journal order, as drizzle's migrator records them. */
  migrations: string[];
}

export function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

export function migrationHashes(migrationsFolder: string): string[] {
  return readMigrationFiles({ migrationsFolder }).map((m) => m.hash);
}

/** Why the template in `dir` cannot seed a folder for these migrations, or null when it can. */
export async function templateMismatch(dir: string, migrationsFolder: string): Promise<string | null> {
  const manifestFile = join(dir, TEMPLATE_MANIFEST);
  if (!existsSync(manifestFile) || !existsSync(join(dir, TEMPLATE_ARCHIVE))) return 'no template';
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as TemplateManifest;
  if (manifest.pglite !== pgliteVersion())
    return `built by PGlite ${manifest.pglite}, running ${pgliteVersion()}`;
  const current = migrationHashes(migrationsFolder);
  // The migrator applies whatever comes after the template's last migration, so a prefix is
  // still correct (only slower); a changed or removed migration is not.
  const prefix = manifest.migrations.every((hash, i) => current[i] === hash);
  if (!prefix || manifest.migrations.length > current.length) return 'migrations changed since it was built';
  return null;
}

/** The template's archive when it fits these migrations; undefined otherwise (start from initdb). */
export async function readPgliteTemplate(dir: string, migrationsFolder: string): Promise<Blob | undefined> {
  if ((await templateMismatch(dir, migrationsFolder)) !== null) return undefined;
  return new Blob([await readFile(join(dir, TEMPLATE_ARCHIVE))]);
}

/** Migrates a throwaway PGlite and writes its dump and manifest to `dir` (npm run db:template). */
export async function writePgliteTemplate(dir: string, migrationsFolder: string): Promise<void> {
  const database = await openDatabase({ dataDir: 'memory://' });
  try {
    await database.migrate(migrationsFolder);
    // PGlite zeroes its shared buffers in WebAssembly at every start: 128 MB of them cost about a
    // third of opening the database. Stage 1's data is small, and the OS caches the files anyway.
    await database.pglite!.exec(`alter system set shared_buffers = '${STAGE1_SHARED_BUFFERS}'`);
    // A checkpoint first, so the dump holds the migrated pages rather than only their WAL.
    await database.pglite!.exec('checkpoint');
    const dump = await database.pglite!.dumpDataDir('gzip');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, TEMPLATE_ARCHIVE), Buffer.from(await dump.arrayBuffer()));
    const manifest: TemplateManifest = {
      pglite: pgliteVersion(),
      migrations: migrationHashes(migrationsFolder),
    };
    await writeFile(join(dir, TEMPLATE_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  } finally {
    await database.close();
  }
}
