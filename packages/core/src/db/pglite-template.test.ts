import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  STAGE1_SHARED_BUFFERS,
  TEMPLATE_MANIFEST,
  migrationHashes,
  openDatabase,
  readPgliteTemplate,
  templateMismatch,
  type Database,
  type TemplateManifest,
} from '@graminsta/platform';
import { MIGRATIONS_FOLDER, PGLITE_TEMPLATE_FOLDER } from '../migrations.ts';
import { createTestDatabase, rawQuery, type TestDatabase } from '../testing/test-db.ts';

// Everything migrations define in the public schema, in a form two databases can compare. NOT NULL
// is compared through is_nullable: PostgreSQL 18 also lists it in pg_constraint, PGlite's 17 not.
const SCHEMA_QUERIES = [
  `select table_name, column_name, data_type, column_default, is_nullable
     from information_schema.columns where table_schema = 'public' order by 1, 2`,
  `select indexname, indexdef from pg_indexes where schemaname = 'public' order by 1`,
  `select conname, pg_get_constraintdef(oid) as def from pg_constraint
     where connamespace = 'public'::regnamespace and contype <> 'n' order by 1`,
  `select proname, prosrc from pg_proc where pronamespace = 'public'::regnamespace order by 1`,
];

async function schemaOf(database: Database) {
  return Promise.all(SCHEMA_QUERIES.map(async (q) => (await rawQuery(database, q)).rows));
}

describe('the shipped PGlite template', () => {
  let migrated: TestDatabase;
  let fromTemplate: Database;
  beforeAll(async () => {
    migrated = await createTestDatabase();
    const archive = await readPgliteTemplate(PGLITE_TEMPLATE_FOLDER, MIGRATIONS_FOLDER);
    if (!archive)
      throw new Error('the shipped template does not fit the migrations: run npm run db:template');
    fromTemplate = await openDatabase({ dataDir: 'memory://', loadDataDir: archive });
  }, 120_000);
  afterAll(async () => {
    await fromTemplate?.close();
    await migrated?.close();
  });

  it('was built from exactly the current migrations (npm run db:template after db:generate)', async () => {
    const manifest = JSON.parse(
      await readFile(join(PGLITE_TEMPLATE_FOLDER, TEMPLATE_MANIFEST), 'utf8'),
    ) as TemplateManifest;
    expect(manifest.migrations).toEqual(migrationHashes(MIGRATIONS_FOLDER));
    const { rows } = await rawQuery(
      fromTemplate,
      'select hash from drizzle.__drizzle_migrations order by created_at',
    );
    expect(rows.map((r) => r.hash)).toEqual(migrationHashes(MIGRATIONS_FOLDER));
  });

  it('holds the same schema as a database migrated from the files', async () => {
    expect(await schemaOf(fromTemplate)).toEqual(await schemaOf(migrated.database));
  });

  it('starts with small shared buffers, which PGlite would otherwise zero at every start', async () => {
    const { rows } = await rawQuery(fromTemplate, 'show shared_buffers');
    expect(rows[0]!.shared_buffers).toBe(STAGE1_SHARED_BUFFERS);
  });

  it('holds no rows', async () => {
    const { rows } = await rawQuery(fromTemplate, `select count(*)::int as n from users`);
    expect(rows[0]!.n).toBe(0);
  });
});

describe('when a template fits the migrations', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'graminsta-template-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function migrationsWith(change: (folder: string) => Promise<void>): Promise<string> {
    const folder = await mkdtemp(join(dir, 'migrations-'));
    await cp(MIGRATIONS_FOLDER, folder, { recursive: true });
    await change(folder);
    return folder;
  }

  it('fits the migrations it was built from', async () => {
    expect(await templateMismatch(PGLITE_TEMPLATE_FOLDER, MIGRATIONS_FOLDER)).toBeNull();
  });

  it('still fits when migrations were added after it (the migrator applies them)', async () => {
    const folder = await migrationsWith(async (f) => {
      const journalFile = join(f, 'meta', '_journal.json');
      const journal = JSON.parse(await readFile(journalFile, 'utf8')) as { entries: object[] };
      journal.entries.push({
        idx: journal.entries.length,
        version: '7',
        when: Date.now(),
        tag: '9999_added',
        breakpoints: true,
      });
      await writeFile(journalFile, JSON.stringify(journal));
      await writeFile(join(f, '9999_added.sql'), 'select 1;');
    });
    expect(await templateMismatch(PGLITE_TEMPLATE_FOLDER, folder)).toBeNull();
  });

  it('does not fit once an applied migration was edited', async () => {
    const folder = await migrationsWith(async (f) => {
      const first = join(f, '0001_schema.sql');
      await writeFile(first, `${await readFile(first, 'utf8')}\n-- edited`);
    });
    expect(await templateMismatch(PGLITE_TEMPLATE_FOLDER, folder)).toMatch(/migrations changed/);
    expect(await readPgliteTemplate(PGLITE_TEMPLATE_FOLDER, folder)).toBeUndefined();
  });

  it('is read for a fresh data folder only, never over an existing database', async () => {
    const dataDir = join(dir, 'pglite');
    let reads = 0;
    const template = () => {
      reads += 1;
      return readPgliteTemplate(PGLITE_TEMPLATE_FOLDER, MIGRATIONS_FOLDER);
    };
    const first = await openDatabase({ dataDir, template });
    await rawQuery(first, `insert into users (username, password_hash) values ('kept', 'x')`);
    await first.close();
    const again = await openDatabase({ dataDir, template });
    const { rows } = await rawQuery(again, 'select username from users');
    await again.close();
    expect(reads).toBe(1);
    expect(rows).toEqual([{ username: 'kept' }]);
  }, 120_000);
});
