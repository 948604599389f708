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
import { currentQueryOrigin, type QueryOrigin } from './query-origin.ts';
import { lockDataDir, type DataDirLock } from './data-dir-lock.ts';
import { ReplicaRoutingPool, type ReadReason, type ReadTarget } from './replica/router.ts';

/** The one database handle type services and repositories see, whatever the driver. */
export type Db = PgDatabase<PgQueryResultHKT>;

export interface QueryObserver {
  /**
   * `statement` is the prepared statement's name, or UNNAMED_STATEMENT: never the SQL text.
   * `origin` is the request or job that issued the query, as it was when the query started.
   */
  (durationSeconds: number, ok: boolean, statement: string, origin?: QueryOrigin): void;
}

/** One connection pool's clients (pool: primary, or replica_<index>), read on a metrics scrape. */
export interface PoolConnections {
  pool: string;
  total: number;
  idle: number;
  /** Queries waiting for a free client: the pool is the bottleneck when this stays above 0. */
  waiting: number;
}

/** The statement label of a query that was not prepared under a name. */
export const UNNAMED_STATEMENT = 'other';

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
  /** The router of reads to replicas (postgres with DATABASE_REPLICA_URLS only); `pool` is it. */
  replicas?: ReplicaRoutingPool;
  /** Each pool's clients now (postgres only; PGlite has one connection and no pool). */
  connections?(): PoolConnections[];
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
  /** Streaming replicas of `url`: plain reads in a request go there (see replica/router.ts). */
  replicaUrls?: readonly string[];
  /** A replica further behind than this is skipped (DATABASE_REPLICA_MAX_LAG_MS). */
  replicaMaxLagMs?: number;
  /** Where each read went (graminsta_db_reads_total). */
  onRead?: (target: ReadTarget, reason: ReadReason) => void;
}

// Any fixed 64-bit number works; it only has to be the same for every instance.
const MIGRATION_LOCK = 7_311_532_001n;

// int8 as string: ids are 64-bit and must not lose precision.
pg.types.setTypeParser(20, (v) => v);

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  return opts.url ? openPostgres(opts.url, opts) : openPglite(opts);
}

async function openPostgres(url: string, opts: DatabaseOptions): Promise<Database> {
  const observe = opts.onQuery;
  const replicas = opts.replicaUrls?.length
    ? new ReplicaRoutingPool(
        { connectionString: url, max: opts.poolSize ?? 10 },
        {
          replicaUrls: opts.replicaUrls,
          maxLagMs: opts.replicaMaxLagMs ?? 10_000,
          poolSize: opts.poolSize ?? 10,
          instrument: observe && ((p) => instrumentPool(p, observe)),
          onRead: opts.onRead,
        },
      )
    : undefined;
  const pool = replicas ?? new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it on next use.
  });
  if (observe) instrumentPool(pool, observe);
  await replicas?.start();
  const db = guardTransactions(drizzlePg(pool) as unknown as Db);
  return {
    kind: 'postgres',
    db,
    pool,
    replicas,
    connections: () => [
      { pool: 'primary', total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount },
      ...(replicas?.replicaConnections() ?? []),
    ],
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
    // node-postgres sends a named statement as `{ name, text }`: the name is the label.
    target.query = timed(client.query.bind(client) as AnyFn, observe, (first) =>
      typeof first === 'object' && first !== null ? (first as { name?: unknown }).name : undefined,
    );
  });
}

type AnyFn = (...args: unknown[]) => unknown;

/**
 * Times each call of `original` and reports it once, with the statement `nameOf` finds in its
 * first argument. The pool runs its queries in callback style (`pool.query` hands the client a
 * callback and gets no promise back), so a trailing callback is wrapped rather than awaited.
 */
function timed(original: AnyFn, observe: QueryObserver, nameOf: (first: unknown) => unknown): AnyFn {
  return (...args) => {
    const statement = statementLabel(nameOf(args[0]));
    // Read now: a callback or a promise may settle in the connection's context, not the caller's.
    const origin = currentQueryOrigin();
    const start = process.hrtime.bigint();
    const done = (ok: boolean) =>
      observe(Number(process.hrtime.bigint() - start) / 1e9, ok, statement, origin);
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (err: unknown, ...rest: unknown[]) => {
        done(!err);
        return (callback as AnyFn)(err, ...rest);
      };
      return original(...args);
    }
    let result: unknown;
    try {
      result = original(...args);
    } catch (err) {
      done(false);
      throw err;
    }
    return Promise.resolve(result).then(
      (value) => {
        done(true);
        return value;
      },
      (err: unknown) => {
        done(false);
        throw err;
      },
    );
  };
}

// Names come from code (`.prepare('feed_home')`), but the label set must stay small whatever
// reaches here: anything that does not look like one of ours is counted as unnamed.
function statementLabel(name: unknown): string {
  return typeof name === 'string' && /^[A-Za-z0-9_]{1,63}$/.test(name) ? name : UNNAMED_STATEMENT;
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
  const plain = drizzlePglite(client) as unknown as Db;
  if (opts.onQuery) instrumentPglite(client, plain, opts.onQuery);
  const db = guardTransactions(plain);
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

function instrumentPglite(client: PGlite, db: Db, observe: QueryObserver): void {
  // PGlite has no named statements: drizzle drops the name and sends the SQL text. The name is
  // learnt where drizzle prepares the statement, and the text tells it again at run time.
  const names = new Map<string, string>();
  nameStatements(db, names);
  const nameOf = (first: unknown) => (typeof first === 'string' ? names.get(first) : undefined);
  const wrap = (target: Pick<PGlite, 'query' | 'exec'>) => {
    const t = target as unknown as Record<string, unknown>;
    for (const method of ['query', 'exec'] as const)
      t[method] = timed(target[method].bind(target) as AnyFn, observe, nameOf);
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

interface Session {
  prepareQuery(
    query: { sql: string },
    fields: unknown,
    name: string | undefined,
    ...rest: unknown[]
  ): unknown;
}

/** Records `SQL text → name` of every statement prepared under a name, on `db` and in its transactions. */
function nameStatements(db: Db, names: Map<string, string>): void {
  const watch = (session: Session) => {
    const prepare = session.prepareQuery.bind(session);
    session.prepareQuery = (query, fields, name, ...rest) => {
      if (name) names.set(query.sql, name);
      return prepare(query, fields, name, ...rest);
    };
  };
  type WithSession = { session: Session };
  type Transaction = (fn: (tx: WithSession) => unknown, config?: unknown) => unknown;
  const target = db as unknown as WithSession & { transaction: Transaction };
  watch(target.session);
  const transaction = target.transaction.bind(db);
  // Each transaction runs on a session of its own (savepoints share their transaction's).
  target.transaction = (fn, config) =>
    transaction((tx) => {
      watch(tx.session);
      return fn(tx);
    }, config);
}
