/**
 * `npm run bench -- replicas [--quick] [--users 2000] [--duration 20] [--concurrency 16]`: the
 * issue-13 replica table. Makes a PostgreSQL primary and a streaming replica of its own
 * (packages/topology pg-cluster), seeds the primary, then runs the load driver's mixed workload
 * through the API balancer of `graminsta up --stage 5` (everything on the primary) and of
 * `graminsta up --stage 6` given the same primary and the replica, one after the other in the
 * same run. For each: throughput, failed requests, where the API's reads went
 * (`graminsta_db_reads_total{target}`), and the CPU the primary and the replica used (every
 * process of each cluster, from /proc). Writes bench/results/replicas-latest.json and .md.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { runWorkload, type WorkloadReport } from '@graminsta/loadgen';
import { startStage } from '@graminsta/server/testing/stage-process';
import { scrape, sumByAcross } from '@graminsta/server/testing/metrics-text';
import { startReplicaPair, type PgCluster } from '@graminsta/topology';
import { SEED_PASSWORD, seedDatabase } from './seed.ts';
import { usernameOf } from './lib/dataset.ts';
import { cpuSnapshot, cpuSecondsBetween } from './lib/cpu.ts';
import { fixed, formatTable, machineInfo, writeJson } from './lib/report.ts';
import { CleanupStack, cleanUpOnSignal, makeTempDir } from './lib/resources.ts';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const DATABASE = 'graminsta';

export interface ReplicaBenchOptions {
  users: number;
  durationSeconds: number;
  warmupSeconds: number;
  concurrency: number;
  /** Seeded users the workload signs in as. */
  sessions: number;
  api: number;
  outDir: string;
  log: (line: string) => void;
}

/** One topology's run of the mixed workload. */
export interface ReplicaRow {
  label: string;
  stage: number;
  replicas: number;
  seconds: number;
  requests: number;
  rps: number;
  failed: number;
  /**
   * API reads over the measured run by the router's reason: `replica` ran on a replica, every
   * other reason (own_write, pinned, lagging, down, fallback…) on the primary.
   */
  reads: Record<string, number>;
  /** Share of the API's reads a replica served (0–1). */
  replicaShare: number;
  /** Cores each cluster used on average over the run (1 = one core busy). */
  primaryCores: number;
  replicaCores: number;
  /** Primary CPU milliseconds per 1,000 requests: what the primary pays for the same work. */
  primaryMsPer1k: number;
}

export interface ReplicaBenchReport {
  startedAt: string;
  machine: ReturnType<typeof machineInfo>;
  options: Omit<ReplicaBenchOptions, 'log' | 'outDir'>;
  seedSeconds: number;
  rows: ReplicaRow[];
}

/** A quick run: a small site, a few seconds per topology (a few minutes in all). */
export const QUICK: Partial<ReplicaBenchOptions> = {
  users: 300,
  durationSeconds: 4,
  warmupSeconds: 1,
  concurrency: 8,
  sessions: 6,
  api: 1,
};

const round = (n: number, digits = 2) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : Number.NaN);

function databaseUrl(cluster: PgCluster): string {
  const url = new URL(cluster.url);
  url.pathname = `/${DATABASE}`;
  return url.toString();
}

async function createDatabase(cluster: PgCluster): Promise<void> {
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  try {
    await client.query(`create database ${DATABASE}`);
  } finally {
    await client.end();
  }
}

interface Clusters {
  primary: { cluster: PgCluster; pid: number };
  replica: { cluster: PgCluster; pid: number };
}

/** A primary of our own, seeded, and a streaming replica of it; removed by the cleanup. */
async function makeClusters(
  opts: ReplicaBenchOptions,
  cleanup: CleanupStack,
): Promise<Clusters & { seedSeconds: number }> {
  let seedSeconds = 0;
  // The replica is copied after the seed, so it starts level with the primary.
  const pair = await startReplicaPair({
    prefix: 'graminsta-bench-pg-',
    prepare: async (primary) => {
      await createDatabase(primary);
      opts.log(`== seeding ${opts.users} users on the primary (port ${primary.port})`);
      const seeded = await seedDatabase({
        users: opts.users,
        dataDir: await makeTempDir(cleanup),
        databaseUrl: databaseUrl(primary),
        log: (l) => opts.log(`   ${l}`),
      });
      seedSeconds = seeded.seconds;
    },
  });
  cleanup.push('stop and remove the primary and the replica', () => pair.close());
  opts.log(`   replica on port ${pair.replica.port}`);
  return {
    primary: { cluster: pair.primary, pid: pair.servers.primary.pid },
    replica: { cluster: pair.replica, pid: pair.servers.replica.pid },
    seedSeconds,
  };
}

interface Topology {
  label: string;
  stage: number;
  env: (c: Clusters) => Record<string, string>;
  replicas: number;
}

const TOPOLOGIES: Topology[] = [
  { label: 'stage 5 (primary only)', stage: 5, replicas: 0, env: () => ({}) },
  {
    label: 'stage 6 (cache, primary + replica)',
    stage: 6,
    replicas: 1,
    env: (c) => ({ DATABASE_REPLICA_URLS: databaseUrl(c.replica.cluster) }),
  },
];

async function runTopology(
  t: Topology,
  clusters: Clusters,
  opts: ReplicaBenchOptions,
  cleanup: CleanupStack,
): Promise<ReplicaRow> {
  const mark = cleanup.size;
  try {
    const stage = await startStage(
      t.stage,
      ['--api', String(opts.api), '--web', '1', '--workers', '1'],
      t.env(clusters),
      { databaseUrl: databaseUrl(clusters.primary.cluster) },
    );
    cleanup.push(`stop ${t.label}`, async () => void (await stage.stop()));
    const shape = await stage.topology();
    const apiPorts = shape.processes.filter((p) => p.name.startsWith('api-')).map((p) => p.port!);
    const users = Array.from({ length: opts.sessions }, (_, i) => ({
      username: usernameOf(i + 2),
      password: SEED_PASSWORD,
    }));
    const workload = (seconds: number) =>
      runWorkload({
        baseUrl: shape.urls.api,
        users,
        durationMs: seconds * 1000,
        concurrency: opts.concurrency,
        seed: 7,
      });
    if (opts.warmupSeconds > 0) await workload(opts.warmupSeconds);
    const reads = async () => sumByAcross(await scrape(apiPorts), 'graminsta_db_reads_total', 'reason');
    const readsBefore = await reads();
    const before = cpuSnapshot();
    const report: WorkloadReport = await workload(opts.durationSeconds);
    const after = cpuSnapshot();
    const readsAfter = await reads();
    const seconds = report.elapsedMs / 1000;
    const cpu = cpuSecondsBetween(before, after, {
      roots: new Map([
        [clusters.primary.pid, 'primary'],
        [clusters.replica.pid, 'replica'],
      ]),
    });
    const readDelta: Record<string, number> = {};
    for (const [reason, n] of readsAfter) readDelta[reason] = n - (readsBefore.get(reason) ?? 0);
    const totalReads = Object.values(readDelta).reduce((a, b) => a + b, 0);
    const primarySeconds = cpu.primary ?? 0;
    const row: ReplicaRow = {
      label: t.label,
      stage: t.stage,
      replicas: t.replicas,
      seconds: round(seconds, 1),
      requests: report.totals.count,
      rps: round(report.totals.rps, 1),
      failed: report.totals.failed,
      reads: readDelta,
      replicaShare: totalReads > 0 ? round((readDelta.replica ?? 0) / totalReads, 3) : 0,
      primaryCores: round(primarySeconds / seconds, 3),
      replicaCores: round((cpu.replica ?? 0) / seconds, 3),
      primaryMsPer1k: round((primarySeconds * 1000 * 1000) / Math.max(1, report.totals.count), 1),
    };
    opts.log(
      `   ${t.label}: ${row.rps} req/s, ${row.failed} failed, reads ${JSON.stringify(readDelta)}, ` +
        `primary ${row.primaryCores} cores (${row.primaryMsPer1k} ms per 1k requests), replica ${row.replicaCores} cores`,
    );
    return row;
  } finally {
    await cleanup.unwindTo(mark);
  }
}

export async function runReplicaBench(
  opts: ReplicaBenchOptions,
  cleanup = new CleanupStack(),
): Promise<ReplicaBenchReport> {
  const machine = machineInfo();
  const startedAt = new Date().toISOString();
  opts.log(
    `Replica benchmark: ${opts.users} users, ${opts.durationSeconds} s of mixed workload per topology, ` +
      `concurrency ${opts.concurrency}, ${opts.api} API instance(s), ${machine.cpus} CPUs`,
  );
  try {
    const clusters = await makeClusters(opts, cleanup);
    const rows: ReplicaRow[] = [];
    for (const t of TOPOLOGIES) {
      opts.log(`\n== ${t.label}`);
      rows.push(await runTopology(t, clusters, opts, cleanup));
    }
    const { outDir: _outDir, log: _log, ...options } = opts;
    return { startedAt, machine, options, seedSeconds: round(clusters.seedSeconds, 1), rows };
  } finally {
    await cleanup.unwindTo(0);
  }
}

/** The primary's reads and their reasons, largest first: `1103 (pinned 700, own_write 380)`. */
function primaryReads(r: ReplicaRow): string {
  const why = Object.entries(r.reads)
    .filter(([reason, n]) => reason !== 'replica' && n > 0)
    .sort((a, b) => b[1] - a[1]);
  const total = why.reduce((sum, [, n]) => sum + n, 0);
  return why.length === 0 ? String(total) : `${total} (${why.map(([k, n]) => `${k} ${n}`).join(', ')})`;
}

export function reportMarkdown(report: ReplicaBenchReport): string {
  const header = [
    'topology',
    'req/s',
    'failed',
    'reads on primary (why)',
    'reads on replica',
    'replica share',
    'primary cores',
    'primary ms / 1k req',
    'replica cores',
  ];
  const body = report.rows.map((r) => [
    r.label,
    fixed(r.rps, 1),
    String(r.failed),
    primaryReads(r),
    String(r.reads.replica ?? 0),
    `${fixed(r.replicaShare * 100, 1)} %`,
    fixed(r.primaryCores, 2),
    fixed(r.primaryMsPer1k, 0),
    fixed(r.replicaCores, 2),
  ]);
  const [five, six] = [report.rows.find((r) => r.stage === 5), report.rows.find((r) => r.stage === 6)];
  const ratio =
    five && six && five.primaryMsPer1k > 0
      ? `\nPrimary CPU per request, stage 6 ÷ stage 5: ${fixed(six.primaryMsPer1k / five.primaryMsPer1k, 2)}\n`
      : '';
  return `${formatTable(header, body, 1)}\n${ratio}`;
}

function parseOptions(argv: string[]): ReplicaBenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      users: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      concurrency: { type: 'string' },
      sessions: { type: 'string' },
      api: { type: 'string' },
    },
  });
  const base: ReplicaBenchOptions = {
    users: 2000,
    durationSeconds: 20,
    warmupSeconds: 3,
    concurrency: 16,
    sessions: 16,
    api: 2,
    outDir: RESULTS,
    log: (line) => console.log(line),
    ...(values.quick ? QUICK : {}),
  };
  const int = (flag: string, text: string | undefined, min: number, fallback: number) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be an integer of at least ${min}`);
    return n;
  };
  return {
    ...base,
    users: int('users', values.users, 50, base.users),
    durationSeconds: int('duration', values.duration, 1, base.durationSeconds),
    warmupSeconds: int('warmup', values.warmup, 0, base.warmupSeconds),
    concurrency: int('concurrency', values.concurrency, 1, base.concurrency),
    sessions: int('sessions', values.sessions, 1, base.sessions),
    api: int('api', values.api, 1, base.api),
  };
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  const cleanup = new CleanupStack();
  cleanUpOnSignal(cleanup);
  const report = await runReplicaBench(opts, cleanup);
  const md = reportMarkdown(report);
  console.log(`\n${md}`);
  await writeJson(join(opts.outDir, 'replicas-latest.json'), report);
  await writeFile(join(opts.outDir, 'replicas-latest.md'), md);
}
