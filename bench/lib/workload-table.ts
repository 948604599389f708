import { fixed, formatTable } from './report.ts';
import { ENDPOINTS, type Endpoint, type WorkloadReport } from '@graminsta/loadgen';

const ms = (v: number | null) => (v === null ? '–' : fixed(v, 1));

/** Failed attempts by kind, most frequent first: `503×4 network×1`. */
function errorKinds(byKind: Record<string, number>): string {
  const entries = Object.entries(byKind).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? '' : entries.map(([kind, n]) => `${kind}×${n}`).join(' ');
}

/** The CLI's summary: a table per endpoint, the spread across instances, and the writes. */
export function formatWorkloadReport(report: WorkloadReport): string {
  const seconds = report.elapsedMs / 1000;
  const rows = (Object.keys(ENDPOINTS) as Endpoint[])
    .filter((e) => report.endpoints[e].count > 0)
    .map((e) => {
      const s = report.endpoints[e];
      return [
        e,
        `${s.method} ${s.path}`,
        String(s.count),
        fixed(s.rps, 1),
        ms(s.p50),
        ms(s.p95),
        ms(s.p99),
        String(s.errors),
        String(s.retries),
        String(s.failed),
        errorKinds(s.errorsByKind),
      ];
    });
  const t = report.totals;
  rows.push([
    'total',
    '',
    String(t.count),
    fixed(t.rps, 1),
    '',
    '',
    '',
    String(t.errors),
    '',
    String(t.failed),
    '',
  ]);
  const endpoints = formatTable(
    [
      'endpoint',
      'request',
      'count',
      'req/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'errors',
      'retries',
      'failed',
      'by kind',
    ],
    rows,
    2,
  );

  const served = Object.values(report.servedBy).reduce((a, b) => a + b, 0);
  const instances = formatTable(
    ['instance (x-served-by)', 'responses', 'share'],
    Object.entries(report.servedBy)
      .sort((a, b) => b[1] - a[1])
      .map(([name, n]) => [name, String(n), `${fixed((100 * n) / Math.max(served, 1), 1)} %`]),
    1,
  );

  const writes = report.writes;
  const ok = writes.filter((w) => w.ok).length;
  const retried = writes.filter((w) => w.attempts.length > 1).length;
  const actions = Object.entries(report.actions)
    .filter(([, n]) => n > 0)
    .map(([a, n]) => `${a} ${n}`)
    .join(', ');
  return [
    `${report.users.length} users, ${fixed(seconds, 1)} s, stopped by ${report.stoppedBy}; actions: ${actions}`,
    '',
    endpoints,
    '',
    instances,
    '',
    `writes: ${writes.length}, applied ${ok}, failed ${writes.length - ok}, retried ${retried} ` +
      `(every write carries an Idempotency-Key; retries reuse it)`,
  ].join('\n');
}
