import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usingPostgres } from '@graminsta/core/testing/test-db';
import { startStage, type StageProcess } from '../src/testing/stage-process.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Outcome {
  step: string;
  ok: number;
  failed: string[];
  servedBy: Set<string>;
}

/**
 * `concurrency` keep-alive loops on a public route that reads the database, through the API
 * balancer, each `pauseMs` apart; every answer counted, any but 200 (or a network error) a failure.
 */
function load(url: string, step: string, concurrency: number, pauseMs = 0) {
  const outcome: Outcome = { step, ok: 0, failed: [], servedBy: new Set() };
  let stopped = false;
  const loops = Array.from({ length: concurrency }, async () => {
    while (!stopped) {
      try {
        const res = await fetch(url);
        await res.arrayBuffer();
        if (res.status === 200) outcome.ok++;
        else outcome.failed.push(`status ${res.status}`);
        outcome.servedBy.add(res.headers.get('x-served-by') ?? '?');
      } catch (err) {
        outcome.failed.push(String((err as Error).cause ?? err));
      }
      if (pauseMs) await sleep(pauseMs);
    }
  });
  return {
    outcome,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return outcome;
    },
  };
}

interface ScalingEntry {
  at: string;
  group: string;
  from: number;
  to: number;
  reason: string;
  measured: { cpu: number; p99Ms: number | null; rps: number; queueDepth: number | null };
}

// Heavy (a whole stage-4 topology under load): the PostgreSQL pass runs it, once.
describe.skipIf(!usingPostgres())('autoscaling the API tier (--api 1..3)', () => {
  let stage: StageProcess;

  const apiCount = async () =>
    (await stage.topology()).processes.filter((p) => p.role.startsWith('api')).length;
  const scaling = async (): Promise<ScalingEntry[]> => {
    const text = await readFile(join(stage.dataDir, 'scaling.jsonl'), 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ScalingEntry);
  };
  /** Polls topology.json until the API tier has `n` instances. */
  const waitForApis = async (n: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await apiCount()) === n) return;
      await sleep(250);
    }
    throw new Error(
      `the API tier did not reach ${n} (has ${await apiCount()}):\n${stage.output().slice(-3000)}`,
    );
  };

  beforeAll(async () => {
    stage = await startStage(4, ['--api', '1..3', '--web', '1'], {
      RATE_LIMITS: 'off',
      // Small numbers, so the load moves the tier within seconds: a check a second, up past 20
      // requests a second per instance for 2 checks, down when the rest would carry under 5 and
      // CPU is under 10 % for 3. Requests, not CPU, drive it here: a busy CI machine gives each
      // process a share of CPU no test can count on, while the load's rate is the test's own.
      AUTOSCALE_TRACE: '1',
      AUTOSCALE_INTERVAL_MS: '1000',
      AUTOSCALE_RPS_HIGH: '20',
      AUTOSCALE_RPS_LOW: '5',
      AUTOSCALE_CPU_HIGH: '5',
      AUTOSCALE_CPU_LOW: '0.1',
      AUTOSCALE_P99_HIGH_MS: '60000',
      AUTOSCALE_UP_CHECKS: '2',
      AUTOSCALE_DOWN_CHECKS: '3',
      AUTOSCALE_COOLDOWN_MS: '2000',
    });
  }, 240_000);
  afterAll(async () => {
    expect(await stage?.stop()).toBe(0);
  }, 120_000);

  it('grows to 3 under stepped load and back to 1 after it, with no failed request at any step', async () => {
    const { api } = (await stage.topology()).urls;
    const url = `${api}/api/v1/explore`;
    expect(await apiCount()).toBe(1);
    const steps: Outcome[] = [];

    // Light, then heavier: the tier holds at 1 while the load is light.
    const light = load(url, 'light (2 loops, paced)', 2, 250);
    await sleep(4_000);
    steps.push(await light.stop());
    expect(await apiCount()).toBe(1);

    const medium = load(url, 'medium (6 loops)', 6);
    await sleep(4_000);
    steps.push(await medium.stop());

    const heavy = load(url, 'heavy (12 loops)', 12);
    try {
      await waitForApis(3, 90_000);
      // A few seconds more at 3: the last instance takes its share through the reloaded balancer.
      await sleep(3_000);
    } finally {
      steps.push(await heavy.stop());
    }

    // A trickle keeps going while the tier shrinks: removals happen under traffic. At most two
    // requests a second, so one instance would carry it under the low mark (5) whatever the
    // machine's speed: a faster trickle (10/s) kept the tier at 2 on an idle machine.
    const trickle = load(url, 'after (1 loop, paced)', 1, 500);
    try {
      await waitForApis(1, 90_000);
      await sleep(1_500);
    } finally {
      steps.push(await trickle.stop());
    }

    for (const s of steps) {
      expect(s.failed, `${s.step}: ${s.failed.slice(0, 5).join('; ')}`).toEqual([]);
      expect(s.ok, s.step).toBeGreaterThan(0);
    }
    // The new instances served requests: the balancer learned of them.
    const served = new Set(steps.flatMap((s) => [...s.servedBy]));
    expect([...served].filter((n) => n.startsWith('api-')).sort()).toEqual(['api-1', 'api-2', 'api-3']);

    const decisions = await scaling();
    const path = decisions.filter((d) => d.group === 'api').map((d) => `${d.from}→${d.to}`);
    expect(path).toEqual(['1→2', '2→3', '3→2', '2→1']);
    for (const d of decisions) {
      expect(d.reason).toMatch(/^(\d+ req\/s per instance > 20|cpu \d+% < 10%) for \d+ checks$/);
      expect(typeof d.measured.cpu).toBe('number');
      expect(Number.isNaN(Date.parse(d.at))).toBe(false);
    }
    expect(decisions[0]!.measured.rps).toBeGreaterThan(20);
    expect(decisions.at(-1)!.measured.cpu).toBeLessThan(0.1);
    expect(stage.output()).toContain('[up] scaling api 1 → 2: ');
  }, 300_000);
});
