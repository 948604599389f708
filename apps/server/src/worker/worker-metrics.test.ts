import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testing/test-app.ts';
import { Metrics } from '../http/metrics.ts';
import { startWorker } from './worker.ts';

describe('job run metrics', () => {
  let t: TestApp;
  const metrics = new Metrics(false);
  beforeAll(async () => {
    t = await createTestApp();
    // Housekeeping comes round every 300 ms: a real job, run by the real worker wrapper.
    await startWorker(t.comp, pino({ level: 'silent' }), {
      housekeepingEveryMs: 300,
      onRun: metrics.observeJobRun,
    });
  });
  afterAll(() => t.close());

  it('times each try of a job by name and outcome', async () => {
    const runs = async () =>
      (await metrics.jobRuns.get()).values.find(
        (v) =>
          v.metricName === 'graminsta_queue_job_run_seconds_count' &&
          v.labels.job === 'housekeeping' &&
          v.labels.outcome === 'ok',
      )?.value ?? 0;
    await expect.poll(runs, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    expect((await metrics.jobFailures.get()).values).toEqual([]);
  });

  it('counts a failed try as a failure of its job', async () => {
    metrics.observeJobRun('photo.process', 0.01, false);
    const failures = (await metrics.jobFailures.get()).values;
    expect(failures).toEqual([expect.objectContaining({ labels: { job: 'photo.process' }, value: 1 })]);
  });
});
