import { describe, expect, it } from 'vitest';
import { usingPostgres } from '@graminsta/core/testing/test-db';
import { QUICK, TARGETS, reportMarkdown, runRealtimeBench } from './realtime.ts';

// The quick mode once, in the PostgreSQL pass, so the harness cannot rot: every socket
// authenticates, every event reaches its socket exactly once, every figure is there. It asserts
// no time and no speed (a shared machine); the figures are the benchmark's to report.
describe.skipIf(!usingPostgres())('the realtime benchmark, quick mode', () => {
  it('holds the sockets, delivers every event to its socket on both targets, and reports', async () => {
    const lines: string[] = [];
    const report = await runRealtimeBench({
      ...QUICK,
      targets: [...TARGETS],
      pgAdminUrl: process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      outDir: null,
      log: (line) => lines.push(line),
    });

    expect(report.results.map((r) => r.target)).toEqual([...TARGETS]);
    for (const r of report.results) {
      const what = r.target;
      expect(r.opened, what).toBe(QUICK.sockets);
      expect(r.connectErrors, what).toEqual([]);
      expect(['redis', 'postgres'], what).toContain(r.bus);
      // Every delivery counted: nothing lost, nothing doubled, no socket dropped by the server.
      expect(r.throughput.received, what).toBe(QUICK.deliveries);
      expect(r.throughput.published, what).toBe(QUICK.deliveries);
      // The same through fan-out messages (the celebrity path): each held user once.
      expect(r.fanoutThroughput.received, what).toBe(QUICK.deliveries);
      expect(r.fanoutThroughput.published, what).toBe(QUICK.deliveries);
      expect(r.receivedTotal, what).toBe(r.publishedTotal);
      expect(r.socketsOff, what).toBe(0);
      expect(r.closedEarly, what).toBe(0);
      expect(r.celebrity.followersReached, what).toBe(QUICK.celebrityFollowers);
      // Background events flowed before the fan-out as well.
      expect(r.celebrity.before.count, what).toBeGreaterThan(0);
      // Holding sockets costs memory, and each figure was measured.
      expect(r.after.rss, what).toBeGreaterThan(0);
      expect(r.after.heapUsed, what).toBeGreaterThan(r.before.heapUsed);
      expect(
        [
          r.rssPerSocket,
          r.heapPerSocket,
          r.throughput.perCore,
          r.fanoutThroughput.perCore,
          r.celebrity.followerLatency.p99,
        ].every(Number.isFinite),
        what,
      ).toBe(true);
    }
    const md = reportMarkdown(report);
    for (const heading of [
      'KiB RSS/socket',
      'per CPU second',
      'fan-out 500',
      'followers reached',
      'goal',
      '÷ raw ws',
    ])
      expect(md).toContain(heading);
    expect(lines.join('\n')).toMatch(/seeded 500 users/);
  }, 400_000);
});
