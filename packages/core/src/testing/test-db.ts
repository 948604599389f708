import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database, type QueryObserver } from '@graminsta/platform';
import { MIGRATIONS_FOLDER } from '../migrations.ts';

/**
 * Test databases. PGlite (default): each call loads a copy of a template migrated once per
 * run (see vitest.global-setup.ts). TEST_DATABASE=postgres: each call clones a migrated
 * template database on the local server and drops the clone on close.
 */
export interface TestDatabase {
  database: Database;
  /** Empties every table, keeping the schema. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export const TEST_PG_ADMIN_URL =
  process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function usingPostgres(): boolean {
  return process.env.TEST_DATABASE === 'postgres';
}

export function pgUrlFor(dbName: string): string {
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${dbName}`;
  return url.toString();
}

export async function createTestDatabase(opts: { onQuery?: QueryObserver } = {}): Promise<TestDatabase> {
  const database = usingPostgres() ? await clonePostgres(opts.onQuery) : await loadPglite(opts.onQuery);
  const reset = async () => {
    const { rows } = await rawQuery(database, `select tablename from pg_tables where schemaname = 'public'`);
    const names = rows.map((r) => `"${String(r.tablename)}"`).join(', ');
    if (names) await rawQuery(database, `truncate ${names}`);
  };
  return { database, reset, close: () => database.close() };
}

export async function rawQuery(
  database: Database,
  text: string,
): Promise<{ rows: Record<string, unknown>[] }> {
  if (database.pool) return database.pool.query(text);
  if (database.pglite) return database.pglite.query(text);
  throw new Error('unknown database kind');
}

async function loadPglite(onQuery?: QueryObserver): Promise<Database> {
  const template = process.env.TEST_PGLITE_TEMPLATE;
  if (template) {
    const bytes = await readFile(template);
    return openDatabase({ dataDir: 'memory://', loadDataDir: new Blob([bytes]), onQuery });
  }
  const database = await openDatabase({ dataDir: 'memory://', onQuery });
  await database.migrate(MIGRATIONS_FOLDER);
  return database;
}

async function clonePostgres(onQuery?: QueryObserver): Promise<Database> {
  const template = process.env.TEST_PG_TEMPLATE;
  if (!template) throw new Error('TEST_PG_TEMPLATE is not set: run tests through vitest (global setup)');
  const name = `graminsta_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`create database "${name}" template "${template}"`);
  const database = await openDatabase({ url: pgUrlFor(name), poolSize: 5, onQuery });
  const close = database.close;
  database.close = async () => {
    await close();
    await adminQuery(`drop database if exists "${name}" with (force)`);
  };
  return database;
}

export async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
