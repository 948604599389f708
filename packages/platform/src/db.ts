import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { guardTransactions } from './commit-guard.ts';
import { lockDataDir, type DataDirLock } from './data-dir-lock.ts';

/** The one database handle type services and repositories see, whatever the driver. */
export type Db = PgDatabase<PgQueryResultHKT>;

export interface QueryObserver {
  (durationSeconds: number, ok: boolean): void;
}

export interface Database {
  kind: 'pglite' | 'postgres';
  db: Db;
  /** Runs the migrations in `folder` once, under an advisory lock, so many instances can start together. */
  migrate(folder: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** The raw pg pool (postgres only): LISTEN/NOTIFY needs its own connection. */
  pool?: pg.Pool;
  /** The raw PGlite instance (pglite only): its LISTEN/NOTIFY is in-process. */
  pglite?: PGlite;
  /** This process's hold on the PGlite folder (pglite on disk only). */
  lock?: DataDirLock;
}

export interface DatabaseOptions {
  url?: string;
  /** PGlite data folder; `memory://` for a throwaway instance. */
  dataDir?: string;
  /** A PGlite data folder dumped with dumpDataDir, to start from a migrated copy. */
  loadDataDir?: Blob;
  /** Where a fresh PGlite folder starts from (read only when the folder holds no database yet). */
  template?: () => Promise<Blob | undefined>;
  poolSize?: number;
  onQuery?: QueryObserver;
}

// Any fixed 64-bit number works; it only has to be the same for every instance.
const MIGRATION_LOCK = 7_311_532_001n;

// int8 as string: ids are 64-bit and must not lose precision.
pg.types.setTypeParser(20, (v) => v);

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  return opts.url ? openPostgres(opts.url, opts) : openPglite(opts);
}

async function openPostgres(url: string, opts: DatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it on next use.
  });
  if (opts.onQuery) instrumentPool(pool, opts.onQuery);
  const db = guardTransactions(drizzlePg(pool) as unknown as Db);
  return {
    kind: 'postgres',
    db,
    pool,
    async migrate(folder) {
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
        try {
          await migratePg(drizzlePg(client), { migrationsFolder: folder });
        } finally {
          await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]);
        }
      } finally {
        client.release();
      }
    },
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      await pool.end();
    },
  };
}

// Every query, pooled or in a transaction, runs on some client: time it there, once.
function instrumentPool(pool: pg.Pool, observe: QueryObserver): void {
  pool.on('connect', (client) => {
    const target = client as unknown as Record<string, unknown>;
    target.query = timed(client.query.bind(client) as AsyncFn, observe);
  });
}

type AsyncFn = (...args: unknown[]) => Promise<unknown>;

function timed(original: AsyncFn, observe: QueryObserver): AsyncFn {
  return async (...args) => {
    const start = process.hrtime.bigint();
    let ok = false;
    try {
      const result = await original(...args);
      ok = true;
      return result;
    } finally {
      observe(Number(process.hrtime.bigint() - start) / 1e9, ok);
    }
  };
}

async function openPglite(opts: DatabaseOptions): Promise<Database> {
  const dataDir = opts.dataDir ?? 'memory://';
  const lock = lockPgliteFolder(dataDir);
  let client: PGlite;
  try {
    // The template is read only once the lock is held: another process may be creating the folder.
    const loadDataDir = opts.loadDataDir ?? (await freshFolderTemplate(dataDir, opts.template));
    client = await PGlite.create(dataDir, loadDataDir ? { loadDataDir } : {});
  } catch (err) {
    lock?.release();
    throw err;
  }
  if (opts.onQuery) instrumentPglite(client, opts.onQuery);
  const db = guardTransactions(drizzlePglite(client) as unknown as Db);
  return {
    kind: 'pglite',
    db,
    pglite: client,
    lock,
    async migrate(folder) {
      await db.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK.toString()}::bigint)`);
      try {
        await migratePglite(drizzlePglite(client), { migrationsFolder: folder });
      } finally {
        await db.execute(sql`select pg_advisory_unlock(${MIGRATION_LOCK.toString()}::bigint)`);
      }
    },
    async ping() {
      await client.query('select 1');
    },
    async close() {
      if (!client.closed) await client.close();
      lock?.release();
    },
  };
}

/**
 * Two processes on one PGlite folder each believe they own it and overwrite each other's pages:
 * the second one refuses (DataDirInUseError) before touching it. A `memory://` folder is private.
 */
function lockPgliteFolder(dataDir: string): DataDirLock | undefined {
  if (dataDir.includes('://')) return undefined;
  const lock = lockDataDir(dataDir);
  mkdirSync(dataDir, { recursive: true });
  return lock;
}

// PG_VERSION is written by initdb: without it the folder holds no database yet.
async function freshFolderTemplate(dataDir: string, template: DatabaseOptions['template']) {
  const fresh = dataDir.includes('://') || !existsSync(join(dataDir, 'PG_VERSION'));
  return fresh && template ? template() : undefined;
}

function instrumentPglite(client: PGlite, observe: QueryObserver): void {
  const wrap = (target: Pick<PGlite, 'query' | 'exec'>) => {
    const t = target as unknown as Record<string, unknown>;
    for (const method of ['query', 'exec'] as const)
      t[method] = timed(target[method].bind(target) as AsyncFn, observe);
  };
  wrap(client);
  // Queries inside a transaction go through the transaction object, not the client.
  const transaction = client.transaction.bind(client);
  (client as unknown as Record<string, unknown>).transaction = <T>(
    fn: (tx: Parameters<Parameters<PGlite['transaction']>[0]>[0]) => Promise<T>,
  ) =>
    transaction((tx) => {
      wrap(tx);
      return fn(tx);
    });
}
