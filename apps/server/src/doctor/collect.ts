import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { ALL_ROLES, ConfigError } from '@graminsta/platform';
import type { TopologySnapshot } from '../supervisor/up.ts';
import { by, parseExposition, single, total, type Exposition } from './exposition.ts';
import { allProcStats, treeCpuSeconds } from './proc.ts';
import { getAgain } from '../monitor/get-again.ts';

/** What one app process's /metrics said, reduced to what the doctor reasons with (all counters are totals). */
export interface MetricSummary {
  /** Requests on app routes (probes and /metrics left out), and those answered 5xx. */
  requests: number;
  errors: number;
  /** The request-duration histogram over those routes: upper bound (`+Inf` too) → cumulative count. */
  buckets: Record<string, number>;
  /** Database queries by prepared statement name. */
  statements: Record<string, number>;
  /** Plain reads by `target:reason` (with replicas only). */
  reads: Record<string, number>;
  /** Cached reads by outcome. */
  cache: Record<string, number>;
  cacheStoreUp: number | null;
  /** Jobs in the queue by state, over every job name (a gauge, read on scrape). */
  queue: Record<string, number>;
  queueWaitSum: number;
  queueWaitCount: number;
  /** Seconds behind the primary, by replica index, as this process's router sees it. */
  replicaLag: Record<string, number>;
  realtimeConnections: number;
  deliverySum: number;
  deliveryCount: number;
  eventLoopP99: number | null;
}

export interface ProcessSample {
  name: string;
  /** The scaling group: `api-2` → `api`. */
  group: string;
  pid: number | null;
  cpuSeconds: number | null;
  /** Null when /metrics did not answer (stopped, stuck, restarting). */
  metrics: MetricSummary | null;
}

export interface ReplicaSample {
  index: number;
  /** Bytes of WAL the primary has that the replica has not replayed; null when it did not answer. */
  behindBytes: number | null;
  paused: boolean | null;
}

export interface DatabaseSample {
  /** Whose CPU `cpuSeconds` is: the stage's own primary, or every `postgres` process of the machine. */
  cpuOf: 'own-primary' | 'machine' | 'none';
  cpuSeconds: number | null;
  /** pg_stat_database of the stage's database, or null (stage 1's PGlite, or it did not answer). */
  stats: Record<
    'commits' | 'rollbacks' | 'blocksRead' | 'blocksHit' | 'rowsRead' | 'rowsWritten',
    number
  > | null;
  /** Backends of the stage's database now: running a query, and of those waiting on a lock. */
  active: number | null;
  waitingOnLocks: number | null;
  replicas: ReplicaSample[];
  /** Why the database part is missing, when it is (never the URL: it may hold a password). */
  problem?: string;
}

export interface Sample {
  /** Milliseconds since the epoch. */
  at: number;
  stage: number;
  processes: ProcessSample[];
  database: DatabaseSample;
}

const PROBES = new Set(['/metrics', '/healthz', '/readyz', 'unmatched']);
const APP_ROLES = new Set<string>(ALL_ROLES);
const DEFAULT_DATABASE = 'postgres://postgres@127.0.0.1:5432/graminsta';

/** Reads $DATA_DIR/topology.json; a ConfigError that says what to do when there is none. */
export async function readTopology(dataDir: string): Promise<TopologySnapshot> {
  const file = join(dataDir, 'topology.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ConfigError(`no ${file}: is \`graminsta up\` running with this DATA_DIR?`);
  }
  let t: unknown;
  try {
    t = JSON.parse(text);
  } catch {
    throw new ConfigError(`${file} is not JSON`);
  }
  const ok =
    typeof t === 'object' &&
    t !== null &&
    Number.isInteger((t as TopologySnapshot).stage) &&
    Array.isArray((t as TopologySnapshot).processes) &&
    (t as TopologySnapshot).processes.every(
      (p) => typeof p === 'object' && p !== null && typeof p.name === 'string' && typeof p.role === 'string',
    );
  if (!ok) throw new ConfigError(`${file} does not describe a topology (stage, processes)`);
  return t as TopologySnapshot;
}

/** App processes (the roles `graminsta start` runs), not balancers, stores or databases. */
export function isAppProcess(p: { role: string }): boolean {
  return p.role.split(',').every((r) => APP_ROLES.has(r));
}

export function groupOf(name: string): string {
  return name.replace(/-\d+$/, '');
}

export function summarize(exp: Exposition): MetricSummary {
  const app = (l: Record<string, string>) => !PROBES.has(l.route ?? '');
  const bucketed = by(exp, 'graminsta_http_request_duration_seconds_bucket', (l) =>
    app(l) ? (l.le ?? null) : null,
  );
  return {
    requests: total(exp, 'graminsta_http_request_duration_seconds_count', app),
    errors: total(
      exp,
      'graminsta_http_request_duration_seconds_count',
      (l) => app(l) && (l.status ?? '').startsWith('5'),
    ),
    buckets: bucketed,
    statements: by(exp, 'graminsta_db_queries_total', (l) => l.statement ?? 'other'),
    reads: by(exp, 'graminsta_db_reads_total', (l) => `${l.target ?? '?'}:${l.reason ?? '?'}`),
    cache: by(exp, 'graminsta_cache_reads_total', (l) => l.outcome ?? '?'),
    cacheStoreUp: single(exp, 'graminsta_cache_store_up'),
    queue: by(exp, 'graminsta_queue_jobs', (l) => l.state ?? '?'),
    queueWaitSum: total(exp, 'graminsta_queue_wait_seconds_sum'),
    queueWaitCount: total(exp, 'graminsta_queue_wait_seconds_count'),
    replicaLag: by(exp, 'graminsta_db_replica_lag_seconds', (l) => l.replica ?? '0'),
    realtimeConnections: total(exp, 'graminsta_realtime_connections'),
    deliverySum: total(exp, 'graminsta_realtime_delivery_seconds_sum'),
    deliveryCount: total(exp, 'graminsta_realtime_delivery_seconds_count'),
    eventLoopP99: single(exp, 'graminsta_nodejs_eventloop_lag_p99_seconds'),
  };
}

// A process that takes longer than this to answer is reported as not answering (SIGSTOPped, stuck).
const SCRAPE_TIMEOUT_MS = 2000;
const MAX_METRICS_BYTES = 8 * 1024 * 1024;

async function scrapeOne(port: number): Promise<MetricSummary | null> {
  try {
    const res = await getAgain(`http://127.0.0.1:${port}/metrics`, { timeoutMs: SCRAPE_TIMEOUT_MS });
    if (!res.ok || Number(res.headers.get('content-length') ?? 0) > MAX_METRICS_BYTES) {
      await res.body?.cancel();
      return null;
    }
    const text = await res.text();
    return text.length > MAX_METRICS_BYTES ? null : summarize(parseExposition(text));
  } catch {
    return null;
  }
}

/** pg_lsn text ('16/B374D848') → bytes. */
function lsnBytes(text: string): bigint {
  const [hi = '0', lo = '0'] = text.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 3000,
    statement_timeout: 3000,
    application_name: 'graminsta doctor',
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

type Stats = NonNullable<DatabaseSample['stats']>;

async function databaseView(primaryUrl: string, replicaUrls: readonly string[]) {
  return withClient(primaryUrl, async (c) => {
    const s = await c.query<Record<string, string>>(
      `select xact_commit, xact_rollback, blks_read, blks_hit, tup_returned + tup_fetched as rows_read,
              tup_inserted + tup_updated + tup_deleted as rows_written, pg_current_wal_lsn()::text as lsn
         from pg_stat_database where datname = current_database()`,
    );
    const a = await c.query<{ active: string; locks: string }>(
      `select count(*) filter (where state = 'active') as active,
              count(*) filter (where state = 'active' and wait_event_type = 'Lock') as locks
         from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
    );
    const row = s.rows[0]!;
    const stats: Stats = {
      commits: Number(row.xact_commit),
      rollbacks: Number(row.xact_rollback),
      blocksRead: Number(row.blks_read),
      blocksHit: Number(row.blks_hit),
      rowsRead: Number(row.rows_read),
      rowsWritten: Number(row.rows_written),
    };
    const primaryLsn = lsnBytes(row.lsn!);
    const replicas = await Promise.all(
      replicaUrls.map(async (url, index): Promise<ReplicaSample> => {
        try {
          return await withClient(url, async (r) => {
            const q = await r.query<{ lsn: string | null; paused: boolean }>(
              'select pg_last_wal_replay_lsn()::text as lsn, pg_is_wal_replay_paused() as paused',
            );
            const lsn = q.rows[0]?.lsn;
            const behind = lsn ? primaryLsn - lsnBytes(lsn) : null;
            return {
              index,
              behindBytes: behind === null ? null : Number(behind > 0n ? behind : 0n),
              paused: q.rows[0]?.paused ?? null,
            };
          });
        } catch {
          return { index, behindBytes: null, paused: null };
        }
      }),
    );
    return {
      stats,
      active: Number(a.rows[0]!.active),
      waitingOnLocks: Number(a.rows[0]!.locks),
      replicas,
    };
  });
}

/** The database the stage's API writes to: topology.json's at stage 6, else DATABASE_URL as `graminsta up` reads it. */
export function databaseUrls(
  topology: TopologySnapshot,
  env: Record<string, string | undefined>,
): { primary: string; replicas: string[] } | null {
  if (topology.postgres)
    return { primary: topology.postgres.primaryUrl, replicas: topology.postgres.replicaUrls };
  if (topology.stage < 2) return null;
  return { primary: env.DATABASE_URL || DEFAULT_DATABASE, replicas: [] };
}

/** One sample of a running topology: every app process's metrics and CPU, and the database's view. */
export async function collectSample(
  topology: TopologySnapshot,
  env: Record<string, string | undefined>,
): Promise<Sample> {
  const at = Date.now();
  const stats = await allProcStats();
  const cpuOf = (pid: number | null) =>
    pid === null ? null : (stats.find((s) => s.pid === pid)?.cpuSeconds ?? null);
  const apps = topology.processes.filter(isAppProcess);
  const processes = await Promise.all(
    apps.map(async (p): Promise<ProcessSample> => ({
      name: p.name,
      group: groupOf(p.name),
      pid: p.pid,
      cpuSeconds: cpuOf(p.pid),
      metrics: p.port === null ? null : await scrapeOne(p.port),
    })),
  );
  const ownPrimary = topology.processes.find((p) => p.name === 'postgres-primary');
  const urls = databaseUrls(topology, env);
  const database: DatabaseSample = {
    cpuOf: ownPrimary?.pid ? 'own-primary' : urls ? 'machine' : 'none',
    cpuSeconds: ownPrimary?.pid
      ? treeCpuSeconds(stats, ownPrimary.pid)
      : urls
        ? treeCpuSeconds(stats, null)
        : null,
    stats: null,
    active: null,
    waitingOnLocks: null,
    replicas: [],
  };
  if (urls) {
    try {
      Object.assign(database, await databaseView(urls.primary, urls.replicas));
    } catch (err) {
      // The error's code or class only: a message may quote the connection string.
      database.problem = `the database did not answer (${(err as { code?: string }).code ?? (err as Error).name})`;
    }
  }
  return { at, stage: topology.stage, processes, database };
}
