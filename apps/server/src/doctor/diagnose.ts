import { UNNAMED_STATEMENT } from '@graminsta/platform';
import type { Sample } from './collect.ts';
import { windowNumbers, type TierNumbers, type WindowNumbers } from './window.ts';

export type FindingKind =
  | 'database-reads'
  | 'replica-lag'
  | 'queue-backlog'
  | 'errors'
  | 'tier-cpu'
  | 'realtime-delivery'
  | 'nothing-saturated';

/** One thing the doctor found: what is saturated, the numbers that say so, and the remedy. */
export interface Finding {
  kind: FindingKind;
  /** What is saturated, in a few words: "database primary", "api tier". */
  what: string;
  /** The numbers it used, in plain words. */
  evidence: string;
  remedy: string;
  /** The stage whose architecture brings the remedy (null: none needed). */
  stage: number | null;
  /** Higher first. A shared resource (1–2) outranks a tier that scales out (0–1): more instances in front of a saturated database load it more. */
  severity: number;
}

/** One line of $DATA_DIR/scaling.jsonl, the autoscaler's decisions. */
export interface ScalingDecision {
  at: string;
  group: string;
  from: number;
  to: number;
  reason: string;
  measured?: Record<string, unknown>;
}

export interface Diagnosis {
  findings: Finding[];
  numbers: WindowNumbers;
  scaling: ScalingDecision[];
}

/** Thresholds: named so the report and the tests share them. */
export const LIMITS = {
  /** CPU of one core at which a Node process (one event loop) is saturated. */
  tierCpuPercent: 80,
  eventLoopP99Seconds: 0.1,
  /** The database is busy from this much CPU (of one core), or this many queries a second. */
  databaseCpuPercent: 50,
  databaseQueriesPerSecond: 200,
  /** A statement this frequent that makes half the queries is a hot read. */
  hotStatementPerSecond: 50,
  cacheHitRatio: 0.5,
  /** A replica further behind than this is lagging (the router's default cut-off is 10 s). */
  replicaLagSeconds: 1,
  queueWaiting: 5,
  queueWaitSeconds: 5,
  errorShare: 0.05,
  deliverySeconds: 1,
} as const;

const pct = (x: number) => `${Math.round(x)} %`;
const share = (x: number) => `${Math.round(x * 100)} %`;
const rate = (x: number) => (x >= 10 ? `${Math.round(x)}/s` : `${x.toFixed(1)}/s`);
const secs = (x: number) => (x >= 1 ? `${x.toFixed(1)} s` : `${Math.round(x * 1000)} ms`);

/** How to add instances of a tier, and the stage that made it a tier of its own. */
const SCALE_OUT: Record<string, { flag: string; stage: number }> = {
  api: { flag: '--api', stage: 4 },
  web: { flag: '--web', stage: 4 },
  worker: { flag: '--workers', stage: 5 },
  realtime: { flag: '--realtime', stage: 6 },
};

function databaseReads(n: WindowNumbers): Finding | null {
  const { database: db, cache } = n;
  const cpuBusy = db.cpuPercent !== null && db.cpuPercent >= LIMITS.databaseCpuPercent;
  const queriesBusy = db.queriesPerSecond >= LIMITS.databaseQueriesPerSecond;
  // One statement repeated most of the time: a hot key, what a cache absorbs.
  const top = db.statements[0];
  // `other` is every unnamed statement together (the routers' polls among them), not one key.
  const hot =
    top !== undefined &&
    top.statement !== UNNAMED_STATEMENT &&
    top.share >= 0.5 &&
    top.perSecond >= LIMITS.hotStatementPerSecond;
  const reading =
    db.rowsReadPerSecond === null ||
    db.rowsWrittenPerSecond === null ||
    db.rowsReadPerSecond >= db.rowsWrittenPerSecond;
  const cacheServes = cache.state === 'up' && (cache.hitRatio ?? 0) >= LIMITS.cacheHitRatio;
  // A cache that is up but read by nothing here: this load is not one a cache would take.
  const uncovered = cache.state === 'up' && cache.hitRatio === null;
  if (!(cpuBusy || queriesBusy || hot) || !reading || cacheServes || uncovered) return null;
  const cpu =
    db.cpuPercent === null
      ? ''
      : `database CPU ${pct(db.cpuPercent)} of a core (${db.cpuOf === 'own-primary' ? 'the primary' : "the machine's PostgreSQL"}), `;
  const on = top ? `, ${share(top.share)} of them \`${top.statement}\`` : '';
  const hits =
    cache.hitRatio === null
      ? `cache ${cache.state}`
      : `cache hit ratio ${share(cache.hitRatio)} (cache ${cache.state})`;
  const remedy =
    cache.state === 'off'
      ? 'turn on the Redis cache (stage 6: CACHE=redis with REDIS_URL)'
      : cache.state === 'down'
        ? 'bring the cache store back: reads fall back to the database while Redis does not answer (stage 6)'
        : 'the cache misses: look at what it keys and for how long (stage 6)';
  return {
    kind: 'database-reads',
    what: 'database primary, on reads',
    evidence: `${cpu}${rate(db.queriesPerSecond)} queries${on}; ${hits}`,
    remedy,
    stage: 6,
    severity: 1 + Math.min(0.85, Math.max((db.cpuPercent ?? 0) / 100, db.queriesPerSecond / 2000)),
  };
}

function replicaLag(n: WindowNumbers): Finding | null {
  const behind = n.replicas.filter(
    (r) => r.paused === true || r.beyondHistory || (r.lagSeconds ?? 0) >= LIMITS.replicaLagSeconds,
  );
  const fellBack = (n.reads.primaryBy.lagging ?? 0) + (n.reads.primaryBy.down ?? 0);
  const plain = n.reads.primary + n.reads.replica;
  if (behind.length === 0 && fellBack === 0) return null;
  const each = behind.map((r) => {
    const lag = r.beyondHistory
      ? 'longer than the router remembers'
      : r.lagSeconds === null
        ? 'lag unknown'
        : `${secs(r.lagSeconds)} behind`;
    const bytes =
      r.behindBytes === null ? '' : `, ${Math.round(r.behindBytes / 1024)} KiB of WAL not replayed`;
    return `replica ${r.index}: ${lag}${bytes}${r.paused ? ', replay paused' : ''}`;
  });
  const reads =
    plain > 0
      ? `; ${share(fellBack / plain)} of plain reads (${fellBack} of ${plain}) fell back to the primary`
      : '';
  const paused = behind.some((r) => r.paused);
  return {
    kind: 'replica-lag',
    what: 'replica lag',
    evidence: `${each.join('; ') || 'replicas behind the cut-off'}${reads}`,
    remedy: paused
      ? 'resume replay on the replica (select pg_wal_replay_resume()); its reads go back to it once it catches up (stage 6)'
      : 'check the replica (its disk, its network, long queries holding replay) or add replicas (stage 6: DATABASE_REPLICA_URLS)',
    stage: 6,
    // Reads falling back make the primary's read load: the lag is the cause, so it ranks above it.
    severity: fellBack > 0 ? 1.9 + (0.09 * fellBack) / Math.max(plain, 1) : 1.5,
  };
}

function queueBacklog(n: WindowNumbers): Finding | null {
  const q = n.queue;
  if (q.waitingAfter === null) return null;
  const growing = q.waitingBefore !== null && q.waitingAfter > q.waitingBefore;
  const deep = q.waitingAfter >= LIMITS.queueWaiting;
  const slow = (q.meanWaitSeconds ?? 0) >= LIMITS.queueWaitSeconds;
  if (!((deep && growing) || (deep && q.startedPerSecond === 0) || slow)) return null;
  const workers = n.tiers.find((t) => t.group === 'worker');
  const parts = [
    `${q.waitingAfter} jobs waiting (${q.waitingBefore ?? '?'} ${secs(n.seconds)} earlier)`,
    `${rate(q.startedPerSecond)} started`,
    q.meanWaitSeconds === null ? 'no job started in the window' : `mean wait ${secs(q.meanWaitSeconds)}`,
  ];
  if (workers) {
    parts.push(
      `${workers.instances} worker${workers.instances === 1 ? '' : 's'}` +
        (workers.cpuPercent === null ? '' : ` at ${pct(workers.cpuPercent)} CPU`),
    );
    if (workers.silent.length) parts.push(`not answering: ${workers.silent.join(', ')} (stopped or stuck)`);
  }
  const stopped = workers !== undefined && workers.silent.length === workers.instances;
  return {
    kind: 'queue-backlog',
    what: 'job queue (the workers do not keep up)',
    evidence: parts.join(', '),
    remedy:
      (stopped ? 'the workers answer nothing: restart them; then ' : '') +
      (n.stage >= 5
        ? 'add workers (`graminsta up --workers N`, stage 5)'
        : 'a worker tier of its own (stage 5, `--workers`)'),
    stage: 5,
    severity: 1.2 + Math.min(0.5, q.waitingAfter / 1000),
  };
}

function errors(t: TierNumbers): Finding | null {
  if (t.requestsPerSecond === 0 || t.errorShare < LIMITS.errorShare) return null;
  return {
    kind: 'errors',
    what: `${t.group} tier answers errors`,
    evidence: `${share(t.errorShare)} of ${rate(t.requestsPerSecond)} requests answered 5xx`,
    remedy: `read the ${t.group} processes' logs: a failing dependency is not a capacity problem`,
    stage: null,
    severity: 1.4,
  };
}

function tierCpu(t: TierNumbers): Finding | null {
  const hot = t.cpuPercent !== null && t.cpuPercent >= LIMITS.tierCpuPercent;
  // A late event loop in a process that is not busy itself is a crowded machine, not a full tier.
  const loop =
    t.eventLoopP99Seconds !== null &&
    t.eventLoopP99Seconds >= LIMITS.eventLoopP99Seconds &&
    (t.cpuPercent ?? 0) >= LIMITS.tierCpuPercent / 2;
  if (!hot && !loop) return null;
  const out = SCALE_OUT[t.group];
  const p99 = t.p99Seconds === null ? '' : `, p99 ≤ ${secs(t.p99Seconds)}`;
  return {
    kind: 'tier-cpu',
    what: `${t.group} tier CPU`,
    evidence:
      `${t.instances} instance${t.instances === 1 ? '' : 's'} at ${t.cpuPercent === null ? '?' : pct(t.cpuPercent)} CPU (busiest ${t.cpuPercentMax === null ? '?' : pct(t.cpuPercentMax)}), ` +
      `event-loop delay p99 ${t.eventLoopP99Seconds === null ? '?' : secs(t.eventLoopP99Seconds)}, ${rate(t.requestsPerSecond)} requests${p99}`,
    remedy: out
      ? `more ${t.group} instances (\`graminsta up ${out.flag} N\`, stage ${out.stage})`
      : 'split the roles into tiers of their own (stage 4 and up)',
    stage: out?.stage ?? 4,
    severity: Math.min(0.99, Math.max(t.cpuPercent ?? 0, (t.eventLoopP99Seconds ?? 0) * 800) / 100),
  };
}

function realtimeDelivery(n: WindowNumbers): Finding | null {
  const r = n.realtime;
  if (r.meanDeliverySeconds === null || r.meanDeliverySeconds < LIMITS.deliverySeconds) return null;
  return {
    kind: 'realtime-delivery',
    what: 'realtime delivery',
    evidence: `${r.connections} sockets open, ${rate(r.deliveriesPerSecond)} deliveries, mean ${secs(r.meanDeliverySeconds)} from event to socket`,
    remedy: 'more realtime processes (`graminsta up --realtime N`, stage 6)',
    stage: 6,
    severity: 0.95,
  };
}

/** Ranks what limits the topology over the window between two samples; pure, for tests. */
export function diagnose(before: Sample, after: Sample, scaling: ScalingDecision[] = []): Diagnosis {
  const n = windowNumbers(before, after);
  const found = [
    databaseReads(n),
    replicaLag(n),
    queueBacklog(n),
    realtimeDelivery(n),
    ...n.tiers.map(errors),
    ...n.tiers.map(tierCpu),
  ].filter((f): f is Finding => f !== null);
  found.sort((a, b) => b.severity - a.severity);
  if (found.length === 0) {
    const busiest = [...n.tiers].sort((a, b) => (b.cpuPercent ?? 0) - (a.cpuPercent ?? 0))[0];
    found.push({
      kind: 'nothing-saturated',
      what: 'nothing saturated',
      evidence:
        (busiest?.cpuPercent != null
          ? `busiest tier ${busiest.group} at ${pct(busiest.cpuPercent)} CPU; `
          : '') +
        (n.database.cpuPercent === null ? '' : `database ${pct(n.database.cpuPercent)} CPU; `) +
        `${rate(n.database.queriesPerSecond)} queries`,
      remedy: 'none needed',
      stage: null,
      severity: 0,
    });
  }
  return { findings: found, numbers: n, scaling };
}
