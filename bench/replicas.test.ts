import { describe, expect, it } from 'vitest';
import { usingPostgres } from '@graminsta/core/testing/test-db';
import { QUICK, reportMarkdown, runReplicaBench, type ReplicaBenchOptions } from './replicas.ts';

// The quick mode once, so the harness cannot rot. It asserts where reads went and that nothing
// failed, never a speed: the figures are the benchmark's to report.
describe.skipIf(!usingPostgres())('the replica benchmark, quick mode', () => {
  it('runs the mixed workload on stage 5 and on stage 6 with a replica, and counts where reads went', async () => {
    const lines: string[] = [];
    const report = await runReplicaBench({
      ...QUICK,
      outDir: '/nonexistent',
      log: (line: string) => lines.push(line),
    } as ReplicaBenchOptions);

    expect(report.rows.map((r) => [r.stage, r.replicas])).toEqual([
      [5, 0],
      [6, 1],
    ]);
    const [five, six] = report.rows as [(typeof report.rows)[0], (typeof report.rows)[0]];
    for (const r of report.rows) {
      expect(r.failed, r.label).toBe(0);
      expect(r.requests, r.label).toBeGreaterThan(0);
      expect(r.primaryCores, r.label).toBeGreaterThan(0);
    }
    // Stage 5 has no replica (and no router counting reads); stage 6 sends reads to the replica.
    expect(five.reads.replica ?? 0).toBe(0);
    expect(six.reads.replica ?? 0).toBeGreaterThan(0);
    expect(six.replicaShare).toBeGreaterThan(0);
    const md = reportMarkdown(report);
    for (const heading of ['replica share', 'primary ms / 1k req', 'stage 6 ÷ stage 5'])
      expect(md).toContain(heading);
  }, 600_000);
});
