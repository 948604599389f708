import { describe, expect, it } from 'vitest';
import { ConfigError } from '@graminsta/platform';
import { scalingFlags } from '../cli/up.ts';
import {
  DEFAULT_THRESHOLDS,
  decide,
  effectiveMin,
  initialState,
  parseRange,
  parseSchedule,
  thresholdsFromEnv,
  type TierSample,
  type TierState,
} from './autoscale-policy.ts';
import { parseMetrics, quantileMs } from './autoscale.ts';

const t = { ...DEFAULT_THRESHOLDS, cooldownMs: 10_000, upChecks: 2, downChecks: 3 };
const idle = (instances: number): TierSample => ({
  instances,
  cpu: 0.05,
  p99Ms: 5,
  rps: 20,
  queueDepth: null,
});
const busy = (instances: number): TierSample => ({
  instances,
  cpu: 0.95,
  p99Ms: 40,
  rps: 300,
  queueDepth: null,
});

/** Runs samples through decide() one check a second apart; the decisions, null where none. */
function run(samples: TierSample[], bounds = { min: 1, max: 3 }, start: TierState = initialState()) {
  let state = start;
  return samples.map((s, i) => {
    const out = decide(s, state, bounds, t, 100_000 + i * 1_000);
    state = out.state;
    return out.decision;
  });
}

describe('the autoscaler decision', () => {
  it('grows by one after two high checks in a row, naming the measure', () => {
    const [first, second] = run([busy(1), busy(1)]);
    expect(first).toBeNull();
    expect(second).toEqual({ to: 2, reason: 'cpu 95% > 70% for 2 checks' });
  });

  it('does not grow on a single spike', () => {
    expect(run([busy(1), idle(1), busy(1), idle(1)])).toEqual([null, null, null, null]);
  });

  it('grows on p99 when there is traffic enough to tell, and on a queue too long for the workers', () => {
    const slow = { instances: 1, cpu: 0.2, p99Ms: 900, rps: 50, queueDepth: null };
    expect(run([slow, slow])[1]?.reason).toBe('p99 900 ms > 500 ms for 2 checks');
    const quiet = { ...slow, rps: 1 };
    expect(run([quiet, quiet])).toEqual([null, null]);
    const queued = { instances: 2, cpu: 0.2, p99Ms: null, rps: 0, queueDepth: 100 };
    expect(run([queued, queued])[1]).toEqual({
      to: 3,
      reason: 'queue 100 waiting > 20 per instance for 2 checks',
    });
  });

  it('grows on requests per instance when that signal is on, and shrinks only when the rest could carry them', () => {
    const rpsT = { ...t, rpsHighPerInstance: 20, rpsLowPerInstance: 5 };
    const at = (instances: number, rps: number) => ({
      instances,
      cpu: 0.05,
      p99Ms: 5,
      rps,
      queueDepth: null,
    });
    const go = (samples: TierSample[]) => {
      let state = initialState();
      return samples.map((s, i) => {
        const out = decide(s, state, { min: 1, max: 3 }, rpsT, 100_000 + i * 1_000);
        state = out.state;
        return out.decision;
      });
    };
    expect(go([at(1, 60), at(1, 60)])[1]).toEqual({
      to: 2,
      reason: '60 req/s per instance > 20 for 2 checks',
    });
    // 8 req/s on 3: the 2 left would take 4 each, under 5: shrink.
    expect(go([at(3, 8), at(3, 8), at(3, 8)])[2]?.to).toBe(2);
    // 12 req/s on 3: 6 each on the 2 left, over 5: hold.
    expect(go([at(3, 12), at(3, 12), at(3, 12), at(3, 12)])).toEqual([null, null, null, null]);
  });

  it('never goes past the maximum nor under the minimum', () => {
    expect(run([busy(3), busy(3), busy(3)])).toEqual([null, null, null]);
    expect(run([idle(1), idle(1), idle(1), idle(1)])).toEqual([null, null, null, null]);
  });

  it('shrinks by one only after the longer stretch of low checks', () => {
    expect(run([idle(3), idle(3), idle(3)])).toEqual([
      null,
      null,
      { to: 2, reason: 'cpu 5% < 30% for 3 checks' },
    ]);
  });

  it('holds between the thresholds (hysteresis): neither high nor low', () => {
    const middling = { instances: 2, cpu: 0.5, p99Ms: 100, rps: 50, queueDepth: null };
    expect(run(Array(8).fill(middling))).toEqual(Array(8).fill(null));
  });

  it('waits out the cool-down after a change', () => {
    const justChanged = { high: 0, low: 0, lastChangeAt: 100_000 };
    // Checks at 100 s … 104 s: inside the 10 s cool-down, however high.
    expect(run(Array(5).fill(busy(2)), { min: 1, max: 3 }, justChanged)).toEqual(Array(5).fill(null));
  });

  it('goes back inside the bounds at once, even in the cool-down', () => {
    const justChanged = { high: 0, low: 0, lastChangeAt: 100_000 };
    expect(run([idle(1)], { min: 3, max: 4 }, justChanged)[0]).toEqual({
      to: 2,
      reason: 'below the minimum 3',
    });
    expect(run([busy(5)], { min: 1, max: 4 }, justChanged)[0]).toEqual({
      to: 4,
      reason: 'above the maximum 4',
    });
  });

  it('takes thresholds from AUTOSCALE_* and ignores values that are not numbers', () => {
    const env = { AUTOSCALE_CPU_HIGH: '0.2', AUTOSCALE_UP_CHECKS: 'x', AUTOSCALE_COOLDOWN_MS: '-5' };
    const got = thresholdsFromEnv(env);
    expect(got.cpuHigh).toBe(0.2);
    expect(got.upChecks).toBe(DEFAULT_THRESHOLDS.upChecks);
    expect(got.cooldownMs).toBe(DEFAULT_THRESHOLDS.cooldownMs);
  });
});

describe('ranges and schedules', () => {
  it('reads a count as fixed and a range as bounds', () => {
    expect(parseRange('3')).toEqual({ min: 3, max: 3 });
    expect(parseRange('1..4')).toEqual({ min: 1, max: 4 });
    for (const bad of [
      '0',
      '4..1',
      '1..',
      '..3',
      '1..33',
      '-1',
      '1.5',
      '1..2..3',
      'x',
      '',
      '1 ..3',
      '\u0000',
      '١..٣',
    ])
      expect(parseRange(bad), bad).toBeNull();
  });

  it('parses a window, also one across midnight, and raises the minimum inside it only', () => {
    const w = parseSchedule('18:00-21:00 api=3,workers=2');
    expect(w).toEqual({ start: 18 * 60, end: 21 * 60, raise: { api: 3, worker: 2 } });
    if ('error' in w) throw new Error(w.error);
    const bounds = { min: 1, max: 4 };
    expect(effectiveMin('api', bounds, [w], 17 * 60 + 59)).toBe(1);
    expect(effectiveMin('api', bounds, [w], 18 * 60)).toBe(3);
    expect(effectiveMin('api', bounds, [w], 21 * 60)).toBe(1);
    expect(effectiveMin('web', bounds, [w], 19 * 60)).toBe(1);
    const night = parseSchedule('23:30-01:00 web=2');
    if ('error' in night) throw new Error(night.error);
    expect(effectiveMin('web', bounds, [night], 0)).toBe(2);
    expect(effectiveMin('web', bounds, [night], 12 * 60)).toBe(1);
  });

  it('refuses hostile schedules with a reason', () => {
    const bad = [
      '',
      '18:00-21:00',
      '25:00-21:00 api=3',
      '18:60-21:00 api=3',
      '8:00-21:00 api=3',
      '18:00-18:00 api=3',
      '18:00-21:00 db=3',
      '18:00-21:00 api=0',
      '18:00-21:00 api=3.5',
      '18:00-21:00 api=99',
      '18:00-21:00 api=3,api=4',
      '18:00-21:00 __proto__=3',
      '18:00-21:00 constructor=1',
      '18:00-21:00 api=3\u0000',
      '\uFFFD\uD800-21:00 api=3',
      `18:00-21:00 ${'api=3,'.repeat(10_000)}`,
    ];
    for (const text of bad)
      expect(parseSchedule(text), JSON.stringify(text.slice(0, 40))).toHaveProperty('error');
  });

  it('checks flags against the stage: ranges only on tiers that scale, schedules only on ranged tiers', () => {
    const ok = scalingFlags(4, { api: '1..3', web: '2' }, ['18:00-21:00 api=3']);
    expect(ok.scale.api).toBe(1);
    expect(ok.scale.web).toBe(2);
    expect(ok.bounds).toEqual({ api: { min: 1, max: 3 } });
    expect(ok.schedule).toHaveLength(1);
    // Stage 4's worker count is fixed; stage 3 scales nothing.
    expect(() => scalingFlags(4, { workers: '1..3' })).toThrow(ConfigError);
    expect(() => scalingFlags(3, { api: '1..2' })).toThrow(ConfigError);
    expect(() => scalingFlags(4, { api: '1..3' }, ['18:00-21:00 web=2'])).toThrow(/no range/);
    expect(() => scalingFlags(4, { api: '1..3' }, ['18:00-21:00 api=4'])).toThrow(/above its maximum/);
    expect(() => scalingFlags(4, { api: '3..1' })).toThrow(ConfigError);
    expect(() => scalingFlags(5, { workers: '1..3' })).not.toThrow();
  });
});

describe('measuring from /metrics', () => {
  const text = [
    '# HELP graminsta_http_request_duration_seconds x',
    'graminsta_http_request_duration_seconds_bucket{le="0.01",method="GET",route="/api/v1/feed",status="200"} 90',
    'graminsta_http_request_duration_seconds_bucket{le="0.1",method="GET",route="/api/v1/feed",status="200"} 99',
    'graminsta_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/v1/feed",status="200"} 100',
    'graminsta_http_request_duration_seconds_bucket{le="0.01",method="GET",route="/metrics",status="200"} 500',
    'graminsta_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/metrics",status="200"} 500',
    'graminsta_queue_jobs{job="process-photo",state="waiting"} 7',
    'graminsta_queue_jobs{job="fan-out",state="waiting"} 3',
    'graminsta_queue_jobs{job="fan-out",state="active"} 50',
  ].join('\n');

  it('sums request buckets over routes, leaving probes and scrapes out, and the waiting jobs', () => {
    const m = parseMetrics(text);
    expect(m.count).toBe(100);
    expect(m.buckets.get(0.01)).toBe(90);
    expect(m.waiting).toBe(10);
  });

  it('interpolates the p99 inside its bucket, as histogram_quantile does', () => {
    const m = parseMetrics(text);
    // Rank 99 of 100 is the last of the 9 requests between 10 and 100 ms.
    expect(quantileMs(m.buckets, 0.99)).toBeCloseTo(100, 5);
    expect(quantileMs(m.buckets, 0.5)).toBeCloseTo(10 * (50 / 90), 5);
    expect(quantileMs(new Map(), 0.99)).toBeNull();
  });
});
