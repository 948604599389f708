/**
 * The autoscaler's rules, pure: flags parsed into bounds and schedule windows, and one tier's
 * measurements in, a decision out. apps/server/src/supervisor/autoscale.ts measures and acts.
 */
import type { Scale } from '@graminsta/topology';

export interface Bounds {
  min: number;
  max: number;
}

/** More instances than any loopback machine runs: a typo, not a plan. */
export const MAX_INSTANCES = 32;
const TIERS: readonly Scale[] = ['api', 'web', 'worker', 'realtime'];

/** `3` (fixed) or `1..4` (autoscaled between the two): null when the text is neither. */
export function parseRange(text: string): Bounds | null {
  const m = /^(\d{1,2})(?:\.\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  if (min < 1 || max < min || max > MAX_INSTANCES) return null;
  return { min, max };
}

/** `--schedule "18:00-21:00 api=3,web=2"`: from `start` to `end` (minutes of the local day), raise each tier's minimum. */
export interface ScheduleWindow {
  start: number;
  end: number;
  raise: Partial<Record<Scale, number>>;
}

const minuteOfDay = (hhmm: string): number | null => {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
};

/** Parses one `--schedule` value; the error says what is wrong with it. */
export function parseSchedule(text: string): ScheduleWindow | { error: string } {
  const m = /^\s*(\S+)-(\S+)\s+(\S+)\s*$/.exec(text.slice(0, 200));
  if (!m) return { error: 'expected "HH:MM-HH:MM tier=N[,tier=N]", e.g. "18:00-21:00 api=3,web=2"' };
  const start = minuteOfDay(m[1]!);
  const end = minuteOfDay(m[2]!);
  if (start === null || end === null) return { error: 'times are HH:MM, 00:00 to 23:59' };
  if (start === end) return { error: 'the window starts and ends at the same minute' };
  const raise: Partial<Record<Scale, number>> = {};
  for (const part of m[3]!.split(',')) {
    const [tier, count] = part.split('=');
    const scale = tier === 'workers' ? 'worker' : tier;
    if (!TIERS.includes(scale as Scale))
      return { error: `unknown tier "${tier}" (api, web, workers, realtime)` };
    const n = Number(count);
    if (!Number.isInteger(n) || n < 1 || n > MAX_INSTANCES)
      return { error: `${tier}'s count must be an integer from 1 to ${MAX_INSTANCES}` };
    if (raise[scale as Scale] !== undefined) return { error: `${tier} is named twice` };
    raise[scale as Scale] = n;
  }
  return { start, end, raise };
}

/** Whether `minute` (of the local day) falls in the window; a window may cross midnight. */
export function inWindow(w: ScheduleWindow, minute: number): boolean {
  return w.start < w.end ? minute >= w.start && minute < w.end : minute >= w.start || minute < w.end;
}

/** The tier's minimum right now: its bound, raised by any window open at `minute`, never past max. */
export function effectiveMin(
  tier: Scale,
  bounds: Bounds,
  schedule: readonly ScheduleWindow[],
  minute: number,
): number {
  let min = bounds.min;
  for (const w of schedule) if (inWindow(w, minute)) min = Math.max(min, w.raise[tier] ?? 0);
  return Math.min(min, bounds.max);
}

/** What one check measured on a tier (null: no such signal for it, or too little traffic to tell). */
export interface TierSample {
  instances: number;
  /** Mean CPU share per instance over the interval, 1 = one core. */
  cpu: number;
  /** p99 of request durations over the interval, from the histogram's bucket deltas. */
  p99Ms: number | null;
  /** Requests per second through the tier over the interval. */
  rps: number;
  /** Workers: jobs waiting in the queue. */
  queueDepth: number | null;
}

export interface Thresholds {
  /** Scale up above this CPU share per instance… */
  cpuHigh: number;
  /** …and down only below this one. */
  cpuLow: number;
  /** Scale up when p99 is above this, given at least `minRps` requests per second. */
  p99HighMs: number;
  minRps: number;
  /** Scale up above this many requests a second per instance (0: not a signal)… */
  rpsHighPerInstance: number;
  /** …and down only below this many. */
  rpsLowPerInstance: number;
  /** Workers: scale up when more jobs than this wait per instance. */
  queueHighPerInstance: number;
  /** Consecutive checks above before growing, below before shrinking (hysteresis). */
  upChecks: number;
  downChecks: number;
  /** No change within this long of the last one: the new instance's load must show first. */
  cooldownMs: number;
}

/** Defaults for a real topology; tests override them through AUTOSCALE_* variables. */
export const DEFAULT_THRESHOLDS: Thresholds = {
  cpuHigh: 0.7,
  cpuLow: 0.3,
  p99HighMs: 500,
  minRps: 5,
  rpsHighPerInstance: 0,
  rpsLowPerInstance: 0,
  queueHighPerInstance: 20,
  upChecks: 2,
  downChecks: 6,
  cooldownMs: 30_000,
};

/** Per tier, what the previous checks saw. */
export interface TierState {
  high: number;
  low: number;
  lastChangeAt: number;
}

export const initialState = (): TierState => ({ high: 0, low: 0, lastChangeAt: 0 });

export interface Decision {
  to: number;
  reason: string;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** Why the sample counts as high load (null: it does not). */
function highBecause(s: TierSample, t: Thresholds): string | null {
  if (s.cpu > t.cpuHigh) return `cpu ${pct(s.cpu)} > ${pct(t.cpuHigh)}`;
  if (s.p99Ms !== null && s.rps >= t.minRps && s.p99Ms > t.p99HighMs)
    return `p99 ${Math.round(s.p99Ms)} ms > ${t.p99HighMs} ms`;
  const perInstance = s.rps / s.instances;
  if (t.rpsHighPerInstance > 0 && perInstance > t.rpsHighPerInstance)
    return `${Math.round(perInstance)} req/s per instance > ${t.rpsHighPerInstance}`;
  if (s.queueDepth !== null && s.queueDepth > t.queueHighPerInstance * s.instances)
    return `queue ${s.queueDepth} waiting > ${t.queueHighPerInstance} per instance`;
  return null;
}

function isLow(s: TierSample, t: Thresholds): boolean {
  const p99Low = s.p99Ms === null || s.rps < t.minRps || s.p99Ms < t.p99HighMs / 2;
  const queueLow = s.queueDepth === null || s.queueDepth <= (t.queueHighPerInstance * (s.instances - 1)) / 2;
  // After one fewer instance, the rest must still be under the low mark.
  const rpsLow = t.rpsHighPerInstance <= 0 || s.rps / Math.max(1, s.instances - 1) < t.rpsLowPerInstance;
  return s.cpu < t.cpuLow && p99Low && queueLow && rpsLow;
}

/**
 * One check of one tier: the next state, and a change of one instance or none. Bounds (with
 * the schedule's raised minimum) come first and skip the hysteresis; otherwise up after
 * `upChecks` high checks in a row, down after `downChecks` low ones, and nothing in the cool-down.
 */
export function decide(
  sample: TierSample,
  prev: TierState,
  bounds: Bounds,
  t: Thresholds,
  now: number,
): { state: TierState; decision: Decision | null } {
  const n = sample.instances;
  const changed = (to: number, reason: string) => ({
    state: { high: 0, low: 0, lastChangeAt: now },
    decision: { to, reason },
  });
  if (n < bounds.min) return changed(n + 1, `below the minimum ${bounds.min}`);
  if (n > bounds.max) return changed(n - 1, `above the maximum ${bounds.max}`);
  const high = highBecause(sample, t);
  const low = !high && isLow(sample, t);
  const state = {
    high: high ? prev.high + 1 : 0,
    low: low ? prev.low + 1 : 0,
    lastChangeAt: prev.lastChangeAt,
  };
  if (now - prev.lastChangeAt < t.cooldownMs) return { state, decision: null };
  if (high && state.high >= t.upChecks && n < bounds.max)
    return changed(n + 1, `${high} for ${state.high} checks`);
  if (low && state.low >= t.downChecks && n > bounds.min)
    return changed(n - 1, `cpu ${pct(sample.cpu)} < ${pct(t.cpuLow)} for ${state.low} checks`);
  return { state, decision: null };
}

/** Thresholds from AUTOSCALE_* variables over the defaults (tests use small ones). */
export function thresholdsFromEnv(env: Record<string, string | undefined>): Thresholds {
  const num = (name: string, fallback: number) => {
    const v = env[name];
    const n = v === undefined ? NaN : Number(v);
    return Number.isFinite(n) && n >= 0 ? n : fallback;
  };
  const d = DEFAULT_THRESHOLDS;
  return {
    cpuHigh: num('AUTOSCALE_CPU_HIGH', d.cpuHigh),
    cpuLow: num('AUTOSCALE_CPU_LOW', d.cpuLow),
    p99HighMs: num('AUTOSCALE_P99_HIGH_MS', d.p99HighMs),
    minRps: num('AUTOSCALE_MIN_RPS', d.minRps),
    rpsHighPerInstance: num('AUTOSCALE_RPS_HIGH', d.rpsHighPerInstance),
    rpsLowPerInstance: num('AUTOSCALE_RPS_LOW', d.rpsLowPerInstance),
    queueHighPerInstance: num('AUTOSCALE_QUEUE_HIGH', d.queueHighPerInstance),
    upChecks: Math.max(1, Math.round(num('AUTOSCALE_UP_CHECKS', d.upChecks))),
    downChecks: Math.max(1, Math.round(num('AUTOSCALE_DOWN_CHECKS', d.downChecks))),
    cooldownMs: num('AUTOSCALE_COOLDOWN_MS', d.cooldownMs),
  };
}
