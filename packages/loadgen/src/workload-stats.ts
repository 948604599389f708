import { percentile } from './percentile.ts';
import { ENDPOINTS, type Endpoint, type EndpointStats, type WorkloadReport } from './workload.types.ts';

interface Tally {
  latencies: number[];
  count: number;
  ok: number;
  errorsByKind: Record<string, number>;
  retries: number;
  failed: number;
}

export interface AttemptResult {
  status: number | null;
  error: string | null;
  servedBy: string | null;
  ms: number;
}

const isOk = (status: number | null) => status !== null && status >= 200 && status < 300;

/** Counts every attempt per endpoint and which instance answered it. */
export class WorkloadStats {
  private readonly tallies = new Map<Endpoint, Tally>();
  private readonly servedBy: Record<string, number> = {};

  private tally(endpoint: Endpoint): Tally {
    let t = this.tallies.get(endpoint);
    if (!t) {
      t = { latencies: [], count: 0, ok: 0, errorsByKind: {}, retries: 0, failed: 0 };
      this.tallies.set(endpoint, t);
    }
    return t;
  }

  attempt(endpoint: Endpoint, result: AttemptResult, attempt: number): void {
    const t = this.tally(endpoint);
    t.count++;
    if (attempt > 1) t.retries++;
    if (result.status !== null) {
      t.latencies.push(result.ms);
      const instance = result.servedBy ?? '(none)';
      this.servedBy[instance] = (this.servedBy[instance] ?? 0) + 1;
    }
    if (isOk(result.status)) t.ok++;
    else {
      const kind =
        result.status !== null ? String(result.status) : result.error === 'timeout' ? 'timeout' : 'network';
      t.errorsByKind[kind] = (t.errorsByKind[kind] ?? 0) + 1;
    }
  }

  /** The request is over: its last attempt decides whether a user saw it fail. */
  finished(endpoint: Endpoint, ok: boolean): void {
    if (!ok) this.tally(endpoint).failed++;
  }

  summary(elapsedMs: number): Pick<WorkloadReport, 'endpoints' | 'totals' | 'servedBy'> {
    const seconds = Math.max(elapsedMs, 1) / 1000;
    const round = (n: number) => (Number.isFinite(n) ? Math.round(n * 100) / 100 : null);
    const endpoints = {} as Record<Endpoint, EndpointStats>;
    const totals = { count: 0, ok: 0, errors: 0, failed: 0, rps: 0 };
    for (const endpoint of Object.keys(ENDPOINTS) as Endpoint[]) {
      const t = this.tally(endpoint);
      const sorted = [...t.latencies].sort((a, b) => a - b);
      endpoints[endpoint] = {
        ...ENDPOINTS[endpoint],
        count: t.count,
        ok: t.ok,
        errors: t.count - t.ok,
        errorsByKind: { ...t.errorsByKind },
        retries: t.retries,
        failed: t.failed,
        rps: round(t.count / seconds) ?? 0,
        p50: round(percentile(sorted, 0.5)),
        p95: round(percentile(sorted, 0.95)),
        p99: round(percentile(sorted, 0.99)),
      };
      totals.count += t.count;
      totals.ok += t.ok;
      totals.errors += t.count - t.ok;
      totals.failed += t.failed;
    }
    totals.rps = round(totals.count / seconds) ?? 0;
    return { endpoints, totals, servedBy: { ...this.servedBy } };
  }
}
