import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { BullMqQueue, ConfigError } from '@graminsta/platform';
import { parseJobsArgs, runJobs, runJobsOn } from './jobs.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';
const prefix = `gtest-cli-${Math.random().toString(36).slice(2)}`;
const queue = new BullMqQueue({ redis: { url: REDIS_URL }, prefix, backoffMs: () => 10 });

afterAll(async () => {
  await queue.close();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('graminsta jobs', () => {
  it('parses its commands and refuses anything else with its usage', () => {
    expect(parseJobsArgs(['dead'])).toEqual({ action: 'dead', job: null });
    expect(parseJobsArgs(['dead', 'photo.process'])).toEqual({ action: 'dead', job: 'photo.process' });
    expect(parseJobsArgs(['retry', 'mail.send', 'k-12'])).toEqual({
      action: 'retry',
      job: 'mail.send',
      id: 'k-12',
    });
    for (const bad of [
      [],
      ['dead', 'nope'],
      ['retry', 'mail.send'],
      ['drop', 'x', '1'],
      ['retry', 'mail.send', 'a b'],
    ])
      expect(() => parseJobsArgs(bad)).toThrow(ConfigError);
  });

  it('stage 1 has no dead-letter list, and says so', async () => {
    await expect(runJobs({ DATA_DIR: '/nonexistent' }, { action: 'dead', job: null })).rejects.toThrow(
      /keeps no dead jobs/,
    );
  });

  it('lists dead jobs of the BullMQ queue by name, id, tries and error class (no payload), retries and drops them', async () => {
    let fail = true;
    const runs: string[] = [];
    queue.process('photo.process', async (payload) => {
      runs.push((payload as { photoId: string }).photoId);
      if (fail) throw new RangeError('pixels out of range');
    });
    await queue.enqueue('photo.process', { photoId: '801' }, { jobId: '801', attempts: 2 });
    await queue.enqueue('photo.process', { photoId: '802' }, { jobId: '802', attempts: 1 });
    await vi.waitFor(async () => expect(await queue.listDead(['photo.process'])).toHaveLength(2), {
      timeout: 10_000,
    });
    const lines: string[] = [];
    await runJobsOn(queue, { action: 'dead', job: null }, (l) => lines.push(l));
    expect(lines.map((l) => l.split(/\s+/).slice(1))).toEqual(
      expect.arrayContaining([
        ['photo.process', 'k-801', 'after', '2', 'tries', 'RangeError'],
        ['photo.process', 'k-802', 'after', '1', 'try', 'RangeError'],
      ]),
    );
    expect(lines.join('\n')).not.toMatch(/photoId|pixels/);

    fail = false;
    const out: string[] = [];
    await runJobsOn(queue, { action: 'retry', job: 'photo.process', id: 'k-801' }, (l) => out.push(l));
    await runJobsOn(queue, { action: 'drop', job: 'photo.process', id: 'k-802' }, (l) => out.push(l));
    expect(out).toEqual(['photo.process k-801 queued again.', 'photo.process k-802 dropped.']);
    await vi.waitFor(() => expect(runs.filter((r) => r === '801')).toHaveLength(3), { timeout: 10_000 });
    await expect(
      runJobsOn(queue, { action: 'drop', job: 'photo.process', id: 'k-802' }, () => {}),
    ).rejects.toThrow(/no dead photo.process job/);
    const empty: string[] = [];
    await vi.waitFor(async () => {
      empty.length = 0;
      await runJobsOn(queue, { action: 'dead', job: 'photo.process' }, (l) => empty.push(l));
      expect(empty).toEqual(['No dead jobs.']);
    });
  });
});
