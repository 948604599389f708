import { fixed, formatTable } from './report.ts';

export const CACHE_CONFIGS = ['cache off', 'redis', 'redis + L1'] as const;
export type CacheConfig = (typeof CACHE_CONFIGS)[number];

export const STAGE6_SCENARIOS = [
  'profile anonymous',
  'profile signed in',
  'photo signed in',
  'home feed',
] as const;
export type Stage6Scenario = (typeof STAGE6_SCENARIOS)[number];

export interface CeilingRow {
  topology: number;
  /** `hello behind nginx`: as many hello worlds as the stage has API instances, behind the same balancer config. */
  kind: 'hello' | 'hello behind nginx' | 'raw pg' | 'raw pg feed';
  rps: number;
  p50: number;
  p99: number;
  /** Answers counted (2xx and not). */
  requests: number;
  failed: number;
}

export interface Stage6Row {
  topology: number;
  config: CacheConfig;
  scenario: Stage6Scenario;
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx answers plus connection errors and timeouts. */
  failed: number;
  /** req/s over the hello-world ceiling of the same topology block. */
  ofHello: number;
  /** req/s over the hello worlds behind nginx (the stage's shape: balancer and API instances). */
  ofBalancedHello: number;
  /**
   * req/s over the raw Fastify + pg ceiling of the same work in the same block: the profile query
   * for the profile and photo reads, the feed query (`raw pg feed`) for the home feed.
   */
  ofRawPg: number;
  /** Queries the API processes ran per second of measured load (every statement, summed). */
  primaryQps: number;
  /**
   * Queries per TTL per hot key, over the whole scenario from cold keys (check, warm-up and
   * measurement); only for the anonymous profile, which reads two keys and nothing else: the
   * name's id (`uname:`) and the account (`user:`).
   */
  queriesPerTtl: number | null;
  /** Cache reads by outcome during the measurement, summed over the API processes. */
  cache: Record<string, number>;
}

export interface Goal {
  topology: number;
  goal: string;
  value: number;
  target: string;
  met: boolean;
}

const find = (rows: Stage6Row[], t: number, c: CacheConfig, s: Stage6Scenario) =>
  rows.find((r) => r.topology === t && r.config === c && r.scenario === s);

/** The goals, evaluated on each topology's rows (a missing row is not met). */
export function goals(rows: Stage6Row[]): Goal[] {
  const out: Goal[] = [];
  for (const t of [...new Set(rows.map((r) => r.topology))]) {
    const add = (goal: string, value: number | undefined, target: string, met: (v: number) => boolean) =>
      out.push({
        topology: t,
        goal,
        value: value ?? Number.NaN,
        target,
        met: value !== undefined && met(value),
      });
    add(
      'hot profile, Redis + L1, ÷ hello',
      find(rows, t, 'redis + L1', 'profile anonymous')?.ofHello,
      '≥ 0.6',
      (v) => v >= 0.6,
    );
    add(
      'hot profile, Redis + L1, ÷ hello behind nginx',
      find(rows, t, 'redis + L1', 'profile anonymous')?.ofBalancedHello,
      '≥ 0.6',
      (v) => v >= 0.6,
    );
    add(
      'hot profile, cache off, ÷ raw pg',
      find(rows, t, 'cache off', 'profile anonymous')?.ofRawPg,
      '≥ 0.7',
      (v) => v >= 0.7,
    );
    for (const c of CACHE_CONFIGS) {
      const anon = find(rows, t, c, 'profile anonymous');
      const signed = find(rows, t, c, 'profile signed in');
      // Cost per request is 1 / throughput: signed-in may cost at most 1.1 × anonymous.
      const extra = anon && signed ? anon.rps / signed.rps - 1 : undefined;
      add(`signed-in profile's extra cost, ${c}`, extra, '≤ 0.10', (v) => v <= 0.1);
    }
    add(
      'home feed, Redis + L1 (timelines), ÷ raw pg feed',
      find(rows, t, 'redis + L1', 'home feed')?.ofRawPg,
      '≥ 0.3',
      (v) => v >= 0.3,
    );
    for (const c of ['redis', 'redis + L1'] as const)
      add(
        `queries per TTL for the hot profile, ${c}`,
        find(rows, t, c, 'profile anonymous')?.queriesPerTtl ?? undefined,
        '≤ 1',
        (v) => v <= 1,
      );
  }
  return out;
}

const cacheCell = (c: Record<string, number>) => {
  const hits = (c.l1_hit ?? 0) + (c.hit ?? 0) + (c.stale ?? 0) + (c.coalesced ?? 0);
  const all = Object.values(c).reduce((a, b) => a + b, 0);
  return all === 0 ? '–' : `${fixed((100 * hits) / all, 0)} % (${c.l1_hit ?? 0} L1)`;
};

export function ceilingTable(rows: CeilingRow[]): string {
  return formatTable(
    ['topology', 'ceiling', 'req/s', 'p50 ms', 'p99 ms', 'failed'],
    rows.map((r) => [
      `stage ${r.topology}`,
      r.kind,
      fixed(r.rps, 0),
      fixed(r.p50, 2),
      fixed(r.p99, 2),
      String(r.failed),
    ]),
    2,
  );
}

export function stage6Table(rows: Stage6Row[]): string {
  return formatTable(
    [
      'topology',
      'config',
      'scenario',
      'req/s',
      'p50 ms',
      'p99 ms',
      'failed',
      '÷ hello',
      '÷ hello (nginx)',
      '÷ raw pg',
      'primary q/s',
      'q/TTL/key',
      'cache hits',
    ],
    rows.map((r) => [
      `stage ${r.topology}`,
      r.config,
      r.scenario,
      fixed(r.rps, 0),
      fixed(r.p50, 1),
      fixed(r.p99, 1),
      String(r.failed),
      fixed(r.ofHello, 3),
      fixed(r.ofBalancedHello, 3),
      fixed(r.ofRawPg, 3),
      fixed(r.primaryQps, 0),
      r.queriesPerTtl === null ? '' : fixed(r.queriesPerTtl, 1),
      cacheCell(r.cache),
    ]),
    3,
  );
}

export function goalTable(list: Goal[]): string {
  return formatTable(
    ['topology', 'goal', 'target', 'measured', 'met'],
    list.map((g) => [`stage ${g.topology}`, g.goal, g.target, fixed(g.value, 3), g.met ? 'yes' : 'no']),
    3,
  );
}
