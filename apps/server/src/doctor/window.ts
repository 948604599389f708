import type { MetricSummary, ProcessSample, Sample } from './collect.ts';

/** One tier (scaling group) over the window. */
export interface TierNumbers {
  group: string;
  instances: number;
  /** Instances whose /metrics did not answer at the end of the window (stopped, stuck). */
  silent: string[];
  /** CPU of one core, per instance: the mean and the busiest. */
  cpuPercent: number | null;
  cpuPercentMax: number | null;
  requestsPerSecond: number;
  /** Share of requests answered 5xx. */
  errorShare: number;
  /** From the histogram's buckets: the bucket bound 99 % of requests fit under (null: too few requests). */
  p99Seconds: number | null;
  eventLoopP99Seconds: number | null;
}

export interface WindowNumbers {
  seconds: number;
  stage: number;
  tiers: TierNumbers[];
  database: {
    /** CPU as a share of one core; of whose processes: `cpuOf`. */
    cpuPercent: number | null;
    cpuOf: Sample['database']['cpuOf'];
    queriesPerSecond: number;
    /** The statements that ran most, by name, with their share of all queries. */
    statements: Array<{ statement: string; perSecond: number; share: number }>;
    commitsPerSecond: number | null;
    rowsReadPerSecond: number | null;
    rowsWrittenPerSecond: number | null;
    active: number | null;
    waitingOnLocks: number | null;
    problem?: string;
  };
  reads: {
    /** Plain reads (with replicas only) by where they went; and the primary's by reason. */
    replica: number;
    primary: number;
    primaryBy: Record<string, number>;
  };
  cache: {
    readsPerSecond: number;
    /** Hits of any kind (L1, Redis, stale, coalesced) over all cached reads; null with none. */
    hitRatio: number | null;
    outcomes: Record<string, number>;
    /** off: no process reads through a cache; down: it falls back; up: it answers. */
    state: 'off' | 'down' | 'up';
  };
  queue: {
    waitingBefore: number | null;
    waitingAfter: number | null;
    active: number | null;
    startedPerSecond: number;
    meanWaitSeconds: number | null;
  };
  /** lagSeconds: the largest an API process sees (null: unknown; `beyondHistory`: older than its samples reach). */
  replicas: Array<{
    index: number;
    lagSeconds: number | null;
    beyondHistory: boolean;
    behindBytes: number | null;
    paused: boolean | null;
  }>;
  realtime: { connections: number; deliveriesPerSecond: number; meanDeliverySeconds: number | null };
}

const HITS = new Set(['l1_hit', 'hit', 'stale', 'coalesced']);

function diff(a: Record<string, number>, b: Record<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(a)) {
    const d = v - (b?.[k] ?? 0);
    // A counter that went down: the process restarted in the window; its new total is the delta.
    out[k] = d < 0 ? v : d;
  }
  return out;
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

function p99(buckets: Record<string, number>): number | null {
  const bounds = Object.entries(buckets)
    .map(([le, n]) => [le === '+Inf' ? Infinity : Number(le), n] as const)
    .filter(([le]) => !Number.isNaN(le))
    .sort((a, b) => a[0] - b[0]);
  const all = bounds.at(-1)?.[1] ?? 0;
  if (all < 20) return null;
  const found = bounds.find(([, n]) => n >= all * 0.99);
  return found ? found[0] : null;
}

/** The counters of a process over the window: its metrics after, less before. */
function metricDelta(after: MetricSummary, before: MetricSummary | null | undefined) {
  const restarted = before !== null && before !== undefined && after.requests < before.requests;
  const b = restarted ? undefined : (before ?? undefined);
  return {
    requests: after.requests - (b?.requests ?? 0),
    errors: after.errors - (b?.errors ?? 0),
    buckets: diff(after.buckets, b?.buckets),
    statements: diff(after.statements, b?.statements),
    reads: diff(after.reads, b?.reads),
    cache: diff(after.cache, b?.cache),
    queueWaitSum: after.queueWaitSum - (b?.queueWaitSum ?? 0),
    queueWaitCount: after.queueWaitCount - (b?.queueWaitCount ?? 0),
    deliverySum: after.deliverySum - (b?.deliverySum ?? 0),
    deliveryCount: after.deliveryCount - (b?.deliveryCount ?? 0),
  };
}

function add(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

const maxOf = (values: Array<number | null>) => {
  const xs = values.filter((v): v is number => v !== null);
  return xs.length === 0 ? null : Math.max(...xs);
};

/** Everything the rules read, as rates and shares over the window between two samples. */
export function windowNumbers(before: Sample, after: Sample): WindowNumbers {
  const seconds = Math.max((after.at - before.at) / 1000, 0.001);
  const prev = new Map(before.processes.map((p) => [p.name, p]));
  const cpu = (p: ProcessSample) => {
    const b = prev.get(p.name);
    if (p.cpuSeconds === null || b?.cpuSeconds == null || b.pid !== p.pid) return null;
    return ((p.cpuSeconds - b.cpuSeconds) / seconds) * 100;
  };
  const statements: Record<string, number> = {};
  const reads: Record<string, number> = {};
  const cache: Record<string, number> = {};
  let waitSum = 0;
  let waitCount = 0;
  let deliverySum = 0;
  let deliveryCount = 0;
  const groups = new Map<string, ProcessSample[]>();
  for (const p of after.processes) groups.set(p.group, [...(groups.get(p.group) ?? []), p]);
  const tiers: TierNumbers[] = [];
  for (const [group, members] of groups) {
    let requests = 0;
    let errors = 0;
    const buckets: Record<string, number> = {};
    for (const p of members) {
      if (!p.metrics) continue;
      const d = metricDelta(p.metrics, prev.get(p.name)?.metrics);
      requests += d.requests;
      errors += d.errors;
      add(buckets, d.buckets);
      add(statements, d.statements);
      add(reads, d.reads);
      add(cache, d.cache);
      waitSum += d.queueWaitSum;
      waitCount += d.queueWaitCount;
      deliverySum += d.deliverySum;
      deliveryCount += d.deliveryCount;
    }
    const cpus = members.map(cpu).filter((c): c is number => c !== null);
    tiers.push({
      group,
      instances: members.length,
      silent: members.filter((p) => !p.metrics).map((p) => p.name),
      cpuPercent: cpus.length ? cpus.reduce((a, b) => a + b, 0) / cpus.length : null,
      cpuPercentMax: cpus.length ? Math.max(...cpus) : null,
      requestsPerSecond: requests / seconds,
      errorShare: requests > 0 ? errors / requests : 0,
      p99Seconds: p99(buckets),
      eventLoopP99Seconds: maxOf(members.map((p) => p.metrics?.eventLoopP99 ?? null)),
    });
  }
  const queries = sum(statements);
  const db = (k: 'commits' | 'rowsRead' | 'rowsWritten') =>
    after.database.stats && before.database.stats
      ? (after.database.stats[k] - before.database.stats[k]) / seconds
      : null;
  const dbCpu =
    after.database.cpuSeconds !== null && before.database.cpuSeconds !== null
      ? ((after.database.cpuSeconds - before.database.cpuSeconds) / seconds) * 100
      : null;
  const cacheReads = sum(cache);
  const hits = Object.entries(cache).reduce((a, [k, v]) => a + (HITS.has(k) ? v : 0), 0);
  const storeUp = maxOf(after.processes.map((p) => p.metrics?.cacheStoreUp ?? null));
  const queueOf = (s: Sample, state: string) =>
    maxOf(
      s.processes.map((p) =>
        p.metrics && Object.keys(p.metrics.queue).length ? (p.metrics.queue[state] ?? 0) : null,
      ),
    );
  const primaryBy: Record<string, number> = {};
  for (const [k, v] of Object.entries(reads))
    if (k.startsWith('primary:')) add(primaryBy, { [k.slice(8)]: v });
  const lags = new Map<number, number>();
  for (const p of after.processes)
    for (const [idx, lag] of Object.entries(p.metrics?.replicaLag ?? {})) {
      const i = Number(idx);
      // -1: unknown to that process; the largest known lag is the one reads feel.
      if (lag >= 0) lags.set(i, Math.max(lags.get(i) ?? 0, lag));
    }
  const replicaIndexes = new Set([...lags.keys(), ...after.database.replicas.map((r) => r.index)]);
  return {
    seconds,
    stage: after.stage,
    tiers,
    database: {
      cpuPercent: dbCpu,
      cpuOf: after.database.cpuOf,
      queriesPerSecond: queries / seconds,
      statements: Object.entries(statements)
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([statement, n]) => ({ statement, perSecond: n / seconds, share: n / queries })),
      commitsPerSecond: db('commits'),
      rowsReadPerSecond: db('rowsRead'),
      rowsWrittenPerSecond: db('rowsWritten'),
      active: after.database.active,
      waitingOnLocks: after.database.waitingOnLocks,
      ...(after.database.problem ? { problem: after.database.problem } : {}),
    },
    reads: { replica: reads['replica:replica'] ?? 0, primary: sum(primaryBy), primaryBy },
    cache: {
      readsPerSecond: cacheReads / seconds,
      hitRatio: cacheReads > 0 ? hits / cacheReads : null,
      outcomes: cache,
      state: cacheReads === 0 && !storeUp ? 'off' : storeUp ? 'up' : 'down',
    },
    queue: {
      waitingBefore: queueOf(before, 'waiting'),
      waitingAfter: queueOf(after, 'waiting'),
      active: queueOf(after, 'active'),
      startedPerSecond: waitCount / seconds,
      meanWaitSeconds: waitCount > 0 ? waitSum / waitCount : null,
    },
    replicas: [...replicaIndexes].sort().map((index) => {
      const seen = after.database.replicas.find((r) => r.index === index);
      const lag = lags.get(index) ?? null;
      return {
        index,
        lagSeconds: lag === Infinity ? null : lag,
        beyondHistory: lag === Infinity,
        behindBytes: seen?.behindBytes ?? null,
        paused: seen?.paused ?? null,
      };
    }),
    realtime: {
      connections: after.processes.reduce((a, p) => a + (p.metrics?.realtimeConnections ?? 0), 0),
      deliveriesPerSecond: deliveryCount / seconds,
      meanDeliverySeconds: deliveryCount > 0 ? deliverySum / deliveryCount : null,
    },
  };
}
