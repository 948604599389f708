import { describe, expect, it } from 'vitest';
import type { MetricSummary, ProcessSample, Sample } from './collect.ts';
import { diagnose, LIMITS } from './diagnose.ts';

const metrics = (m: Partial<MetricSummary> = {}): MetricSummary => ({
  requests: 0,
  errors: 0,
  buckets: {},
  statements: {},
  reads: {},
  cache: {},
  cacheStoreUp: 0,
  queue: {},
  queueWaitSum: 0,
  queueWaitCount: 0,
  replicaLag: {},
  realtimeConnections: 0,
  deliverySum: 0,
  deliveryCount: 0,
  eventLoopP99: 0.01,
  ...m,
});

const proc = (name: string, cpuSeconds: number, m: Partial<MetricSummary> | null = {}): ProcessSample => ({
  name,
  group: name.replace(/-\d+$/, ''),
  pid: 1000 + name.length,
  cpuSeconds,
  metrics: m === null ? null : metrics(m),
});

const sample = (at: number, processes: ProcessSample[], db: Partial<Sample['database']> = {}): Sample => ({
  at,
  stage: 5,
  processes,
  database: {
    cpuOf: 'machine',
    cpuSeconds: 0,
    stats: { commits: 0, rollbacks: 0, blocksRead: 0, blocksHit: 0, rowsRead: 0, rowsWritten: 0 },
    active: 0,
    waitingOnLocks: 0,
    replicas: [],
    ...db,
  },
});

/** A quiet stage-5 topology at t=0: api ×2, worker ×2, web ×1, nothing counted yet. */
const quiet = (over: Record<string, ProcessSample> = {}) =>
  ['api-1', 'api-2', 'web-1', 'worker-1', 'worker-2'].map((n) => over[n] ?? proc(n, 0));

describe('diagnose', () => {
  it('names the primary busy on reads with the cache off, the statement that dominates, and the Redis cache (stage 6)', () => {
    const before = sample(0, quiet());
    const api = (n: string) =>
      proc(n, 5, {
        requests: 5000,
        buckets: { '0.05': 4000, '0.25': 4990, '+Inf': 5000 },
        statements: { account_by_name: 4600, session_by_token: 400 },
      });
    const after = sample(10_000, quiet({ 'api-1': api('api-1'), 'api-2': api('api-2') }), {
      cpuSeconds: 8.5,
      stats: {
        commits: 10_000,
        rollbacks: 0,
        blocksRead: 0,
        blocksHit: 9e5,
        rowsRead: 90_000,
        rowsWritten: 10,
      },
    });
    const d = diagnose(before, after);
    const top = d.findings[0]!;
    expect(top.kind).toBe('database-reads');
    expect(top.stage).toBe(6);
    expect(top.remedy).toMatch(/turn on the Redis cache/);
    expect(top.evidence).toContain('database CPU 85 %');
    expect(top.evidence).toContain('92 % of them `account_by_name`');
    expect(top.evidence).toContain('cache off');
    expect(d.numbers.database.queriesPerSecond).toBe(1000);
    // The API tier is hot too (50 % of a core here is not), but a shared database outranks it.
    expect(d.findings.map((f) => f.kind)).not.toContain('queue-backlog');
  });

  it('says nothing of the database when the cache serves most reads', () => {
    const before = sample(0, quiet());
    const api = proc('api-1', 1, {
      statements: { account_by_name: 3000 },
      cache: { l1_hit: 6000, hit: 3000, miss: 1000 },
      cacheStoreUp: 1,
    });
    const after = sample(10_000, quiet({ 'api-1': api }), { cpuSeconds: 6 });
    const d = diagnose(before, after);
    expect(d.numbers.cache).toMatchObject({ state: 'up', hitRatio: 0.9 });
    expect(d.findings.map((f) => f.kind)).not.toContain('database-reads');
  });

  it('says the cache store is down when reads fall back', () => {
    const before = sample(0, quiet());
    const api = proc('api-1', 1, {
      statements: { account_by_name: 3000 },
      cache: { fallback: 3000 },
      cacheStoreUp: 0,
    });
    const d = diagnose(before, sample(10_000, quiet({ 'api-1': api }), { cpuSeconds: 6 }));
    expect(d.findings[0]).toMatchObject({ kind: 'database-reads', stage: 6 });
    expect(d.findings[0]!.remedy).toMatch(/bring the cache store back/);
  });

  it('names a lagging replica, its paused replay and the share of reads that fell back to the primary', () => {
    const before = sample(0, quiet(), { replicas: [{ index: 0, behindBytes: 0, paused: false }] });
    const api = proc('api-1', 1, {
      reads: { 'primary:lagging': 300, 'replica:replica': 100, 'primary:write': 50 },
      replicaLag: { '0': 12.5 },
    });
    const after = sample(10_000, quiet({ 'api-1': api }), {
      replicas: [{ index: 0, behindBytes: 3 * 1024 * 1024, paused: true }],
    });
    const d = diagnose(before, after);
    const top = d.findings[0]!;
    expect(top.kind).toBe('replica-lag');
    expect(top.stage).toBe(6);
    expect(top.evidence).toContain('replica 0: 12.5 s behind, 3072 KiB of WAL not replayed, replay paused');
    expect(top.evidence).toContain('67 % of plain reads (300 of 450) fell back to the primary');
    expect(top.remedy).toMatch(/pg_wal_replay_resume/);
  });

  it('names a replica behind further than the router remembers, replay running: check it or add replicas', () => {
    const before = sample(0, quiet());
    const after = sample(10_000, quiet({ 'api-1': proc('api-1', 1, { replicaLag: { '0': Infinity } }) }), {
      replicas: [{ index: 0, behindBytes: 5000, paused: false }],
    });
    const f = diagnose(before, after).findings[0]!;
    expect(f).toMatchObject({ kind: 'replica-lag', stage: 6 });
    expect(f.evidence).toContain('longer than the router remembers');
    expect(f.remedy).toMatch(/add replicas/);
  });

  it('names a growing queue whose workers do not answer, and says add workers (stage 5)', () => {
    const q = (waiting: number) => ({ queue: { waiting, active: 0, delayed: 0 } });
    const before = sample(0, quiet({ 'api-1': proc('api-1', 0, q(2)), 'api-2': proc('api-2', 0, q(2)) }));
    const after = sample(
      10_000,
      quiet({
        'api-1': proc('api-1', 1, q(40)),
        'api-2': proc('api-2', 1, q(40)),
        'worker-1': proc('worker-1', 0, null),
        'worker-2': proc('worker-2', 0, null),
      }),
    );
    const top = diagnose(before, after).findings[0]!;
    expect(top.kind).toBe('queue-backlog');
    expect(top.stage).toBe(5);
    expect(top.evidence).toContain('40 jobs waiting (2 10.0 s earlier)');
    expect(top.evidence).toContain('not answering: worker-1, worker-2');
    expect(top.remedy).toMatch(/restart them; then add workers \(`graminsta up --workers N`, stage 5\)/);
  });

  it('names slow workers by their long waits even when the depth holds', () => {
    const before = sample(0, quiet({ 'worker-1': proc('worker-1', 0, { queue: { waiting: 10 } }) }));
    const after = sample(
      10_000,
      quiet({
        'worker-1': proc('worker-1', 9.5, { queue: { waiting: 10 }, queueWaitSum: 80, queueWaitCount: 10 }),
      }),
    );
    const f = diagnose(before, after).findings.find((x) => x.kind === 'queue-backlog')!;
    expect(f.evidence).toContain('mean wait 8.0 s');
    expect(f.remedy).toMatch(/add workers/);
  });

  it('names a saturated API tier and says more API instances (stage 4)', () => {
    const before = sample(0, quiet());
    const api = (n: string) => proc(n, 9.2, { requests: 2000, eventLoopP99: 0.2 });
    const d = diagnose(before, sample(10_000, quiet({ 'api-1': api('api-1'), 'api-2': api('api-2') })));
    expect(d.findings[0]).toMatchObject({ kind: 'tier-cpu', what: 'api tier CPU', stage: 4 });
    expect(d.findings[0]!.evidence).toContain('2 instances at 92 % CPU');
    expect(d.findings[0]!.remedy).toContain('--api');
  });

  it('names a saturated web tier with --web, and realtime delivery with --realtime', () => {
    const before = sample(0, [...quiet(), proc('realtime-1', 0)]);
    const after = sample(10_000, [
      ...quiet({ 'web-1': proc('web-1', 9) }),
      proc('realtime-1', 1, { realtimeConnections: 900, deliverySum: 300, deliveryCount: 100 }),
    ]);
    const d = diagnose(before, after);
    expect(d.findings.find((f) => f.what === 'web tier CPU')!.remedy).toContain('--web');
    const rt = d.findings.find((f) => f.kind === 'realtime-delivery')!;
    expect(rt.evidence).toContain('900 sockets open');
    expect(rt.remedy).toContain('--realtime');
    expect(rt.stage).toBe(6);
  });

  it('names a tier that answers errors', () => {
    const before = sample(0, quiet());
    const after = sample(10_000, quiet({ 'api-1': proc('api-1', 1, { requests: 100, errors: 40 }) }));
    expect(diagnose(before, after).findings[0]).toMatchObject({
      kind: 'errors',
      what: 'api tier answers errors',
    });
  });

  it('says nothing is saturated on a quiet topology, with the numbers', () => {
    const d = diagnose(sample(0, quiet()), sample(10_000, quiet({ 'api-1': proc('api-1', 1) })));
    expect(d.findings).toHaveLength(1);
    expect(d.findings[0]).toMatchObject({ kind: 'nothing-saturated', stage: null });
    expect(d.findings[0]!.evidence).toContain('busiest tier api at 5 % CPU');
  });

  it('counts a process restarted in the window from zero, not as negative work', () => {
    const before = sample(
      0,
      quiet({ 'api-1': proc('api-1', 50, { requests: 9000, statements: { account_by_name: 9000 } }) }),
    );
    const after = sample(
      10_000,
      quiet({ 'api-1': proc('api-1', 1, { requests: 10, statements: { account_by_name: 10 } }) }),
    );
    const d = diagnose(before, after);
    expect(d.numbers.database.queriesPerSecond).toBe(1);
    expect(d.numbers.tiers.find((t) => t.group === 'api')!.requestsPerSecond).toBe(1);
  });

  it('estimates p99 from the buckets and passes the scaling decisions through', () => {
    const before = sample(0, quiet());
    const buckets = { '0.01': 50, '0.1': 98, '0.5': 100, '+Inf': 100 };
    const after = sample(10_000, quiet({ 'api-1': proc('api-1', 1, { requests: 100, buckets }) }));
    const decision = {
      at: '2026-12-03T20:00:00Z',
      group: 'api',
      from: 1,
      to: 2,
      reason: 'cpu 91% > 70% for 2 checks',
    };
    const d = diagnose(before, after, [decision]);
    expect(d.numbers.tiers.find((t) => t.group === 'api')!.p99Seconds).toBe(0.5);
    expect(d.scaling).toEqual([decision]);
    expect(LIMITS.tierCpuPercent).toBeGreaterThan(50);
  });
  it('names one hot statement with the cache off even when the machine is not yet busy, and not a late loop on an idle tier', () => {
    const before = sample(0, quiet());
    const api = (n: string) =>
      proc(n, 1.2, { requests: 700, eventLoopP99: 0.12, statements: { account_by_name: 700, other: 300 } });
    const d = diagnose(
      before,
      sample(10_000, quiet({ 'api-1': api('api-1'), 'api-2': api('api-2') }), { cpuSeconds: 3 }),
    );
    expect(d.findings.map((f) => f.kind)).toEqual(['database-reads']);
    expect(d.findings[0]!.evidence).toContain('70 % of them `account_by_name`');
  });
  it('takes neither the unnamed statements together for a hot key, nor a load the running cache reads nothing of, for cache work', () => {
    const before = sample(0, quiet());
    const unnamed = proc('api-1', 1, { statements: { other: 900 } });
    expect(
      diagnose(before, sample(10_000, quiet({ 'api-1': unnamed }), { cpuSeconds: 1 })).findings[0]!.kind,
    ).toBe('nothing-saturated');
    const uncached = proc('api-1', 1, { statements: { comments_page: 3000 }, cacheStoreUp: 1 });
    const d = diagnose(before, sample(10_000, quiet({ 'api-1': uncached }), { cpuSeconds: 1 }));
    expect(d.numbers.cache.state).toBe('up');
    expect(d.findings.map((f) => f.kind)).not.toContain('database-reads');
  });
});
