import type { CpuUsage } from './cpu.ts';
import { fixed, formatTable } from './report.ts';

export type RunKind = 'ceiling autocannon' | 'ceiling fetch' | 'GET-only mix' | 'full mix';

/** One measured run of the stage-4 benchmark. */
export interface Stage4Row {
  instances: number;
  kind: RunKind;
  seconds: number;
  /** Requests (attempts) answered or failed. */
  count: number;
  rps: number;
  /** Latency in ms over every request that got an answer, whatever its endpoint. */
  p50: number;
  p95: number;
  p99: number;
  /** Attempts answered non-2xx or not at all. */
  errors: number;
  /** Requests whose last attempt failed (the workload retries writes; the ceilings never retry). */
  failed: number;
  /** Responses by x-served-by (workload runs only). */
  servedBy?: Record<string, number>;
  cpu: CpuUsage;
  /** 1-minute load average when the run began: how busy the shared machine was. */
  loadAverage: number;
}

/** The CPU columns, in order: the classes the benchmark names, then the rest of the machine. */
export const CPU_COLUMNS = [
  'driver',
  'nginx',
  'hello world',
  'api',
  'postgres',
  'storage',
  'worker',
  'web',
  'supervisor',
  'other',
  'machine',
];

function spread(servedBy: Record<string, number> | undefined): string {
  if (!servedBy) return '';
  const total = Object.values(servedBy).reduce((a, b) => a + b, 0) || 1;
  return Object.entries(servedBy)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name} ${Math.round((n / total) * 100)}%`)
    .join(' · ');
}

/** Which instance answered, per workload run (x-served-by; the storage instances answer the upload bytes). */
export function spreadLines(rows: Stage4Row[]): string {
  return rows
    .filter((r) => r.servedBy)
    .map(
      (r) => `- ${r.instances} API instance${r.instances === 1 ? '' : 's'}, ${r.kind}: ${spread(r.servedBy)}`,
    )
    .join('\n');
}

/** Throughput and latency per run, each workload as a fraction of the fetch ceiling of the same N. */
export function throughputTable(rows: Stage4Row[]): string {
  const ceilingOf = (n: number) => rows.find((r) => r.instances === n && r.kind === 'ceiling fetch');
  const first = rows[0]?.instances;
  const baseline = (kind: RunKind) => rows.find((r) => r.instances === first && r.kind === kind);
  const header = ['API instances', 'run', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'failed'];
  header.push('÷ ceiling', `× N=${first ?? 1}`);
  const body = rows.map((r) => {
    const ceiling = ceilingOf(r.instances);
    const base = baseline(r.kind);
    return [
      String(r.instances),
      r.kind,
      fixed(r.rps, 0),
      fixed(r.p50, 1),
      fixed(r.p95, 1),
      fixed(r.p99, 1),
      String(r.errors),
      String(r.failed),
      ceiling ? fixed(r.rps / ceiling.rps, 3) : '–',
      base ? fixed(r.rps / base.rps, 2) : '–',
    ];
  });
  return formatTable(header, body, 2);
}

/** Cores used by each class of process during each run (2.00 = both cores of a 2-core machine). */
export function cpuTable(rows: Stage4Row[]): string {
  const used = CPU_COLUMNS.filter((c) => rows.some((r) => (r.cpu[c] ?? 0) > 0));
  const header = ['API instances', 'run', ...used, 'api CPU ms/req', 'pg CPU ms/req'];
  const perRequest = (r: Stage4Row, c: string) =>
    r.cpu[c] !== undefined && r.rps > 0 ? fixed((r.cpu[c] * 1000) / r.rps, 2) : '–';
  const body = rows.map((r) => [
    String(r.instances),
    r.kind,
    ...used.map((c) => (r.cpu[c] === undefined ? '–' : fixed(r.cpu[c], 2))),
    r.kind.startsWith('ceiling') ? '–' : perRequest(r, 'api'),
    r.kind.startsWith('ceiling') ? '–' : perRequest(r, 'postgres'),
  ]);
  return formatTable(header, body, 2);
}
