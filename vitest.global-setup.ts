import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@graminsta/platform';
import { MIGRATIONS_FOLDER } from '@graminsta/core/migrations';
import { adminQuery, pgUrlFor, usingPostgres } from '@graminsta/core/testing/test-db';

// Migrate once per run; every test file then starts from a copy of this template.
export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'graminsta-test-'));
  const cleanups: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true })];

  const pglite = await openDatabase({ dataDir: 'memory://' });
  await pglite.migrate(MIGRATIONS_FOLDER);
  const dump = await pglite.pglite!.dumpDataDir('none');
  const file = join(dir, 'template.tar');
  await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  await pglite.close();
  process.env.TEST_PGLITE_TEMPLATE = file;

  if (usingPostgres()) {
    const name = `graminsta_tpl_${process.pid}`;
    await adminQuery(`drop database if exists "${name}" with (force)`);
    await adminQuery(`create database "${name}"`);
    const database = await openDatabase({ url: pgUrlFor(name), poolSize: 1 });
    await database.migrate(MIGRATIONS_FOLDER);
    await database.close();
    process.env.TEST_PG_TEMPLATE = name;
    cleanups.push(() => adminQuery(`drop database if exists "${name}" with (force)`));
  }
  return async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
}
