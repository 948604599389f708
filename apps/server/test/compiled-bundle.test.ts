import { execFile } from 'node:child_process';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@graminsta/platform';
import { GRAMINSTA_BIN } from '../src/graminsta-bin.ts';
import { BUNDLE, bundleIsStale, compiledServer } from '../bin/compiled.mjs';

const run = promisify(execFile);

describe('the compiled server', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'graminsta-bundle-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('is rebuilt once a source is newer than it, and only then', async () => {
    expect(await compiledServer()).toMatch(/graminsta\.mjs$/);
    expect(bundleIsStale()).toBe(false);
    const longAgo = new Date(Date.now() - 86_400_000);
    await utimes(BUNDLE, longAgo, longAgo);
    expect(bundleIsStale()).toBe(true);
    await compiledServer();
    expect(bundleIsStale()).toBe(false);
  }, 120_000);

  it('runs a command from the bundle with the paths of the sources (migrations, template)', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL; // the bundle's own PGlite, whichever database the tests use
    delete env.GRAMINSTA_SOURCES;
    const { stdout } = await run(process.execPath, [GRAMINSTA_BIN, 'migrate'], { env, timeout: 240_000 });
    expect(stdout).toContain('Migrations applied.');
    const database = await openDatabase({ dataDir: join(dataDir, 'pglite') });
    try {
      const { rows } = await database.pglite!.query<{ n: number }>(
        'select count(*)::int as n from drizzle.__drizzle_migrations',
      );
      expect(rows[0]!.n).toBeGreaterThan(0);
    } finally {
      await database.close();
    }
  }, 300_000);
});
