import { describe, expect, it } from 'vitest';
import { usingPostgres } from '@graminsta/core/testing/test-db';
import { QUICK, reportMarkdown, runStage6Bench, type Stage6Options } from './stage6.ts';
import { CACHE_CONFIGS, STAGE6_SCENARIOS } from './lib/stage6-table.ts';

// The quick mode once, so the harness cannot rot: every row, ratio and count is there. It says
// nothing about speed (a test never asserts a time); the figures are the benchmark's to report.
describe.skipIf(!usingPostgres())('the stage-6 benchmark, quick mode', () => {
  it('seeds, measures both ceilings and every read in every configuration, and reports the goals', async () => {
    const lines: string[] = [];
    const opts = {
      ...QUICK,
      configs: [...CACHE_CONFIGS],
      pgAdminUrl: process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      outDir: '/nonexistent',
      log: (line: string) => lines.push(line),
    } as Stage6Options;
    const report = await runStage6Bench(opts);

    expect(report.ceilings.map((c) => c.kind)).toEqual([
      'hello',
      'hello behind nginx',
      'raw pg',
      'raw pg feed',
    ]);
    // The ceilings are not ours (a hello world behind nginx on a machine busy with other tests may
    // lose a request at the run's end); the API's reads below must lose none.
    for (const c of report.ceilings) {
      expect(c.rps, c.kind).toBeGreaterThan(0);
      expect(c.failed, c.kind).toBeLessThanOrEqual(c.requests / 100);
    }
    expect(report.rows.map((r) => `${r.topology} ${r.config} ${r.scenario}`)).toEqual(
      CACHE_CONFIGS.flatMap((c) => STAGE6_SCENARIOS.map((s) => `6 ${c} ${s}`)),
    );
    for (const r of report.rows) {
      const what = `${r.config} ${r.scenario}`;
      // Every read answered 2xx, and each figure was measured.
      expect(r.failed, what).toBe(0);
      expect(r.rps, what).toBeGreaterThan(0);
      expect([r.ofHello, r.ofBalancedHello, r.ofRawPg].every(Number.isFinite), what).toBe(true);
      expect(r.primaryQps, what).toBeGreaterThanOrEqual(0);
      expect(r.queriesPerTtl === null, what).toBe(r.scenario !== 'profile anonymous');
    }
    // With the cache off, every read reaches the database.
    for (const r of report.rows.filter((r) => r.config === 'cache off'))
      expect(r.primaryQps).toBeGreaterThan(0);
    expect(report.goals).toHaveLength(9);
    const md = reportMarkdown(report);
    for (const heading of ['÷ hello', '÷ hello (nginx)', '÷ raw pg', 'primary q/s', 'q/TTL/key', 'goal'])
      expect(md).toContain(heading);
    expect(lines.join('\n')).toMatch(/follow 201, 201 accounts/);
  }, 400_000);
});
