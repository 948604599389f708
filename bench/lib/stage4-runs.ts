/**
 * The runs of the stage-4 benchmark for one number of API instances: the nginx + hello-world
 * ceiling, then stage 4 itself under the load driver, each with the cores every class of process
 * used meanwhile.
 */
import { loadavg } from 'node:os';
import { startStage } from '@graminsta/server/testing/stage-process';
import { stageTopology } from '@graminsta/topology';
import { CEILING_PATH } from '../ceiling.ts';
import { getLoop, startCeilingBalancer, type GetLoopResult } from './ceiling-balancer.ts';
import { withCpu, type Classifier } from './cpu.ts';
import { measure, type Measurement } from './load.ts';
import type { CleanupStack } from './resources.ts';
import type { RunKind, Stage4Row } from './stage4-table.ts';
import {
  DEFAULT_MIX,
  percentile,
  prepareSessions,
  runWorkload,
  workloadImages,
  type Mix,
} from '@graminsta/loadgen';

// The read actions of the default mix, with their default weights.
const GET_ONLY: Mix = { feed: DEFAULT_MIX.feed, profile: DEFAULT_MIX.profile, photo: DEFAULT_MIX.photo };

export interface Stage4Options {
  durationSeconds: number;
  ceilingSeconds: number;
  warmupSeconds: number;
  instances: number[];
  concurrency: number;
  signup: number;
  photosPerUser: number;
  seed: number;
  getOnly: boolean;
}

const round = (n: number, digits = 2) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : Number.NaN);

function log(row: Stage4Row): void {
  console.log(
    `   ${row.kind}: ${row.rps.toFixed(0)} req/s, p50 ${row.p50.toFixed(1)} ms, p99 ${row.p99.toFixed(1)} ms, ` +
      `${row.errors} errors, ${row.failed} failed; cores ${JSON.stringify(row.cpu)}`,
  );
}

const latency = (m: { p50: number; p95: number; p99: number }) => ({
  p50: round(m.p50),
  p95: round(m.p95),
  p99: round(m.p99),
});

const fromAutocannon = (m: Measurement): GetLoopResult => ({
  count: m.requests,
  errors: m.errors + m.non2xx,
  rps: m.reqPerSec,
  p50: m.p50,
  p95: m.p95,
  p99: m.p99,
});

/** nginx in front of N hello worlds, measured by autocannon and by a fetch loop like the driver's. */
export async function ceilingRows(
  n: number,
  opts: Stage4Options,
  cleanup: CleanupStack,
): Promise<Stage4Row[]> {
  const mark = cleanup.size;
  const balancer = await startCeilingBalancer(n);
  cleanup.push('stop the ceiling', () => balancer.stop());
  try {
    const classifier = (): Classifier => ({
      roots: new Map<number, string>([
        [process.pid, 'driver'],
        ...balancer.pids.helloWorlds.map((pid) => [pid, 'hello world'] as [number, string]),
        ...(balancer.pids.nginx ? [[balancer.pids.nginx, 'nginx'] as [number, string]] : []),
      ]),
    });
    const url = `${balancer.url}${CEILING_PATH}`;
    if (opts.warmupSeconds > 0) await getLoop(url, opts.concurrency, opts.warmupSeconds * 1000);
    const request = { method: 'GET' as const, path: CEILING_PATH };
    const load = { connections: opts.concurrency, durationSeconds: opts.ceilingSeconds };
    const runs: Array<[RunKind, () => Promise<GetLoopResult>]> = [
      ['ceiling autocannon', async () => fromAutocannon(await measure(balancer.url, request, load))],
      ['ceiling fetch', () => getLoop(url, opts.concurrency, opts.ceilingSeconds * 1000)],
    ];
    const rows: Stage4Row[] = [];
    for (const [kind, run] of runs) {
      const loadAverage = loadavg()[0]!;
      const { result: m, cpu } = await withCpu(classifier, run);
      const row = { instances: n, kind, seconds: opts.ceilingSeconds, loadAverage, cpu, count: m.count };
      rows.push({ ...row, errors: m.errors, failed: m.errors, rps: round(m.rps, 1), ...latency(m) });
      log(rows[rows.length - 1]!);
    }
    return rows;
  } finally {
    await cleanup.unwindTo(mark);
  }
}

const STAGE4 = stageTopology(4);

/** The class a stage-4 process's CPU counts for: its group (api, web, storage, worker), or nginx. */
function classOf(name: string): string | undefined {
  if (STAGE4.balancers.some((b) => b.name === name)) return 'nginx';
  return STAGE4.groups.find((g) => name.startsWith(`${g.name}-`))?.name;
}

/** Stage 4 with N API instances on a fresh database: the GET-only mix, then the full mix. */
export async function stageRows(n: number, opts: Stage4Options, cleanup: CleanupStack): Promise<Stage4Row[]> {
  const mark = cleanup.size;
  const started = performance.now();
  const stage = await startStage(4, ['--api', String(n), '--web', '1']);
  cleanup.push('stop stage 4 and drop its database', async () => void (await stage.stop()));
  try {
    const topology = await stage.topology();
    console.log(
      `   stage 4 ready in ${((performance.now() - started) / 1000).toFixed(1)} s: api ${topology.urls.api}`,
    );
    const roots = new Map<number, string>([[process.pid, 'driver']]);
    if (stage.child.pid) roots.set(stage.child.pid, 'supervisor');
    const classifier = (): Classifier => ({
      roots,
      postgres: { database: new URL(stage.databaseUrl).pathname.slice(1), label: 'postgres' },
    });
    // Read again at each run: an instance that died and was restarted has a new pid.
    const refreshRoots = async () => {
      for (const p of (await stage.topology()).processes) {
        const label = classOf(p.name);
        if (p.pid && label) roots.set(p.pid, label);
      }
    };
    const baseUrl = topology.urls.api;
    const sessions = await prepareSessions({
      baseUrl,
      signup: opts.signup,
      photosPerUser: opts.photosPerUser,
      images: await workloadImages(),
      log: (line) => console.log(`   ${line}`),
    });
    const common = { baseUrl, sessions, concurrency: opts.concurrency, seed: opts.seed };
    if (opts.warmupSeconds > 0)
      await runWorkload({ ...common, mix: GET_ONLY, durationMs: opts.warmupSeconds * 1000 });
    const runs: Array<[RunKind, Mix]> = [
      ...(opts.getOnly ? [['GET-only mix', GET_ONLY] as [RunKind, Mix]] : []),
      ['full mix', { ...DEFAULT_MIX }],
    ];
    const rows: Stage4Row[] = [];
    for (const [kind, mix] of runs) {
      await refreshRoots();
      const latencies: number[] = [];
      const loadAverage = loadavg()[0]!;
      const { result: report, cpu } = await withCpu(classifier, () =>
        runWorkload({
          ...common,
          mix,
          durationMs: opts.durationSeconds * 1000,
          onResponse: (e) => void (e.status !== null && latencies.push(e.ms)),
        }),
      );
      latencies.sort((a, b) => a - b);
      const t = report.totals;
      rows.push({
        instances: n,
        kind,
        seconds: round(report.elapsedMs / 1000, 1),
        count: t.count,
        rps: round(t.rps, 1),
        ...latency({
          p50: percentile(latencies, 0.5),
          p95: percentile(latencies, 0.95),
          p99: percentile(latencies, 0.99),
        }),
        errors: t.errors,
        failed: t.failed,
        servedBy: report.servedBy,
        cpu,
        loadAverage,
      });
      log(rows[rows.length - 1]!);
    }
    return rows;
  } finally {
    await cleanup.unwindTo(mark);
  }
}
