/**
 * The autoscaler of `graminsta up --api 1..4`: every interval it measures each ranged tier from
 * its instances' own /metrics and /proc, asks the policy (autoscale-policy.ts) and grows or
 * shrinks the tier by one through the supervisor, logging each decision and appending it to
 * $DATA_DIR/scaling.jsonl (which `graminsta doctor` reads).
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Scale } from '@graminsta/topology';
import { procStat } from '../doctor/proc.ts';
import { getAgain } from '../monitor/get-again.ts';
import {
  decide,
  effectiveMin,
  initialState,
  type Bounds,
  type ScheduleWindow,
  type Thresholds,
  type TierSample,
  type TierState,
} from './autoscale-policy.ts';

export const DEFAULT_INTERVAL_MS = 5_000;
const HISTOGRAM = 'graminsta_http_request_duration_seconds';
// Probes and scrapes (ours included) say nothing about the tier's load.
const UNCOUNTED_ROUTES = new Set(['/metrics', '/healthz', '/readyz']);

export interface Instance {
  name: string;
  pid: number | null;
  port: number | null;
}

/** What the autoscaler needs of the supervisor. */
export interface ScalingHost {
  instances(group: string): Instance[];
  /** Starts one more instance, ready and in its balancer; resolves to its name. */
  grow(group: string): Promise<string>;
  /** Takes the last instance out of its balancer, then drains and stops it; resolves to its name. */
  shrink(group: string): Promise<string>;
  log(line: string): void;
}

export interface ScaledTier {
  tier: Scale;
  group: string;
  bounds: Bounds;
}

/** One instance's counters at one moment. */
interface Reading {
  at: number;
  pid: number;
  /** CPU time used so far (user and system), in seconds. */
  cpuSeconds: number;
  /** Cumulative counts per bucket bound (seconds), over every counted route. */
  buckets: Map<number, number>;
  count: number;
  queueWaiting: number | null;
}

/** The `name{labels} value` lines of a Prometheus text exposition, for the names asked. */
export function parseMetrics(text: string): {
  buckets: Map<number, number>;
  count: number;
  waiting: number | null;
} {
  const buckets = new Map<number, number>();
  let count = 0;
  let waiting: number | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${HISTOGRAM}_bucket{`)) {
      const route = /route="([^"]*)"/.exec(line)?.[1] ?? '';
      const le = /le="([^"]*)"/.exec(line)?.[1];
      const value = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (UNCOUNTED_ROUTES.has(route) || le === undefined || !Number.isFinite(value)) continue;
      const bound = le === '+Inf' ? Infinity : Number(le);
      buckets.set(bound, (buckets.get(bound) ?? 0) + value);
      if (bound === Infinity) count += value;
    } else if (line.startsWith('graminsta_queue_jobs{') && line.includes('state="waiting"')) {
      const value = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (Number.isFinite(value)) waiting = (waiting ?? 0) + value;
    }
  }
  return { buckets, count, waiting };
}

/** The q-quantile of cumulative bucket counts (deltas over an interval), interpolated as Prometheus does. */
export function quantileMs(deltas: Map<number, number>, q: number): number | null {
  const bounds = [...deltas.keys()].sort((a, b) => a - b);
  const total = deltas.get(Infinity) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const cumulative = deltas.get(bound)!;
    if (cumulative >= rank) {
      // Past the last finite bound: all Prometheus can say is that bound.
      if (bound === Infinity) return lower * 1000;
      const inBucket = cumulative - below;
      const share = inBucket > 0 ? (rank - below) / inBucket : 1;
      return (lower + (bound - lower) * share) * 1000;
    }
    lower = bound;
    below = cumulative;
  }
  return null;
}

async function read(instance: Instance): Promise<Reading | null> {
  if (!instance.pid || !instance.port) return null;
  const stat = await procStat(instance.pid);
  if (stat === null) return null;
  try {
    const res = await getAgain(`http://127.0.0.1:${instance.port}/metrics`, { timeoutMs: 2_000 });
    if (!res.ok) return null;
    const m = parseMetrics(await res.text());
    return { at: Date.now(), pid: instance.pid, cpuSeconds: stat.cpuSeconds, ...m, queueWaiting: m.waiting };
  } catch {
    return null;
  }
}

export interface AutoscalerOptions {
  dataDir: string;
  tiers: ScaledTier[];
  schedule: readonly ScheduleWindow[];
  thresholds: Thresholds;
  intervalMs: number;
  /** Log every check's measures (AUTOSCALE_TRACE=1), not only decisions. */
  trace?: boolean;
  /** The local minute of the day (tests: a fixed clock). */
  minuteOfDay?: () => number;
}

export class Autoscaler {
  private readonly last = new Map<string, Reading>();
  private readonly states = new Map<string, TierState>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly host: ScalingHost,
    private readonly opts: AutoscalerOptions,
  ) {}

  get logFile(): string {
    return join(this.opts.dataDir, 'scaling.jsonl');
  }

  start(): void {
    const tick = () => {
      this.running = this.check()
        .catch((err: unknown) => this.host.log(`[up] autoscaler check failed: ${String(err)}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.opts.intervalMs);
        });
    };
    this.timer = setTimeout(tick, this.opts.intervalMs);
  }

  /** Stops checking; a change under way finishes first. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Measures a tier since the previous check (null on its first, or with no instance measured twice). */
  private async sample(tier: ScaledTier): Promise<TierSample | null> {
    const instances = this.host.instances(tier.group);
    const readings = await Promise.all(instances.map(read));
    let cpu = 0;
    let measured = 0;
    let seconds = 0;
    let waiting: number | null = null;
    const deltas = new Map<number, number>();
    readings.forEach((now, i) => {
      const key = instances[i]!.name;
      const before = this.last.get(key);
      if (!now) {
        this.last.delete(key);
        return;
      }
      this.last.set(key, now);
      if (now.queueWaiting !== null) waiting = Math.max(waiting ?? 0, now.queueWaiting);
      if (!before || before.pid !== now.pid) return;
      const dt = (now.at - before.at) / 1000;
      if (dt <= 0) return;
      cpu += (now.cpuSeconds - before.cpuSeconds) / dt;
      seconds = Math.max(seconds, dt);
      measured++;
      for (const [bound, n] of now.buckets)
        deltas.set(bound, (deltas.get(bound) ?? 0) + n - (before.buckets.get(bound) ?? 0));
    });
    if (measured === 0) return null;
    const requests = deltas.get(Infinity) ?? 0;
    return {
      instances: instances.length,
      cpu: cpu / measured,
      p99Ms: quantileMs(deltas, 0.99),
      rps: seconds > 0 ? requests / seconds : 0,
      queueDepth: waiting,
    };
  }

  private async check(): Promise<void> {
    const minute = this.opts.minuteOfDay?.() ?? localMinute();
    for (const tier of this.opts.tiers) {
      if (this.stopped) return;
      const sample = await this.sample(tier);
      const count = this.host.instances(tier.group).length;
      const min = effectiveMin(tier.tier, tier.bounds, this.opts.schedule, minute);
      const bounds = { min, max: tier.bounds.max };
      // Below a (scheduled) minimum there is nothing to measure first.
      const seen =
        sample ?? (count < min ? { instances: count, cpu: 0, p99Ms: null, rps: 0, queueDepth: null } : null);
      if (!seen) continue;
      if (this.opts.trace)
        this.host.log(
          `[up] autoscale ${tier.group}: ${count} running (min ${min}), cpu ${Math.round(seen.cpu * 100)}%` +
            `, p99 ${seen.p99Ms === null ? '-' : Math.round(seen.p99Ms)} ms, ${Math.round(seen.rps)} req/s` +
            (seen.queueDepth === null ? '' : `, ${seen.queueDepth} waiting`),
        );
      const prev = this.states.get(tier.group) ?? initialState();
      const { state, decision } = decide(seen, prev, bounds, this.opts.thresholds, Date.now());
      this.states.set(tier.group, state);
      if (!decision || this.stopped) continue;
      this.host.log(`[up] scaling ${tier.group} ${count} → ${decision.to}: ${decision.reason}`);
      const entry = {
        at: new Date().toISOString(),
        group: tier.group,
        from: count,
        to: decision.to,
        reason: decision.reason,
        measured: {
          cpu: round(seen.cpu, 3),
          p99Ms: seen.p99Ms === null ? null : round(seen.p99Ms, 1),
          rps: round(seen.rps, 1),
          queueDepth: seen.queueDepth,
        },
      };
      await appendFile(this.logFile, `${JSON.stringify(entry)}\n`);
      if (decision.to > count) await this.host.grow(tier.group);
      else await this.host.shrink(tier.group);
    }
  }
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

function localMinute(): number {
  const d = new Date();
  return d.getHours() * 60 + d.getMinutes();
}
