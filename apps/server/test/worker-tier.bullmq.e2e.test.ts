import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue as BullQueue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { usingPostgres, TEST_PG_ADMIN_URL } from '@graminsta/core/testing/test-db';
import { bullJobId } from '@graminsta/platform';
import { OwnRedis } from '@graminsta/platform/cache/testing/redis-server';
import { jpegWithGps } from '../src/testing/images.ts';
import { runJobs } from '../src/cli/jobs.ts';
import { TierClient, startWorkerTier, type WorkerTier } from '../src/worker/worker-tier.harness.ts';

const LEASE_MS = 2000;
const AFTER = { timeout: 15_000, interval: 50 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Is a blob in the folder of the local-disk store? */
const blobExists = (tier: WorkerTier, key: string) => existsSync(join(tier.dataDir, 'blobs', 'objects', key));

/**
 * The worker tier on BullMQ: the same processes as worker-tier.e2e.test.ts, with QUEUE=bullmq on a
 * redis-server of this file's own (so no other test's workers share its queues). PostgreSQL pass only.
 */
describe.skipIf(!usingPostgres())('the worker tier on BullMQ: worker processes, jobs in Redis', () => {
  let redis: OwnRedis;
  let tier: WorkerTier;
  let ada: TierClient;
  let jpeg: Buffer;
  let photoJobs: BullQueue;
  const env = () => ({
    REDIS_URL: redis.url,
    QUEUE: 'bullmq',
    CACHE: 'off',
    QUEUE_LEASE_MS: String(LEASE_MS),
    QUEUE_RETRY_BASE_MS: '200',
    QUEUE_ATTEMPTS: '3',
    WORKER_CONCURRENCY: '1',
  });

  beforeAll(async () => {
    redis = await OwnRedis.start();
    tier = await startWorkerTier({ adminUrl: TEST_PG_ADMIN_URL, env: env() });
    await tier.startWorker();
    ada = await TierClient.signUp(tier.api, 'ada');
    jpeg = await jpegWithGps(3000, 2000);
    photoJobs = new BullQueue('photo.process', {
      connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null },
      prefix: 'graminsta',
    });
  }, 120_000);

  afterAll(async () => {
    await photoJobs?.close();
    await tier?.stop();
    await redis?.stop();
  }, 60_000);

  it('a worker SIGKILLed mid-job: another worker finishes it after the lock lapses; the post is ready once, the job completed once', async () => {
    const [victim] = tier.workers;
    const { uploadId } = await ada.upload(jpeg);
    const photoId = await ada.createPost(uploadId);
    const jobId = bullJobId(photoId);
    // Killed while it holds the job: active in BullMQ, not yet done.
    for (let i = 0; ; i++) {
      if ((await photoJobs.getJobState(jobId)) === 'active') break;
      if (i > 4000) throw new Error('the job was never taken');
      await sleep(5);
    }
    victim!.child.process.kill('SIGKILL');
    expect(await victim!.child.exited).toBeNull();
    tier.workers.splice(tier.workers.indexOf(victim!), 1);
    expect(victim!.jobLines().filter((l) => l.job === 'photo.process' && l.photoId === photoId)).toEqual([]);
    expect((await ada.photo(photoId)).status).toBe('processing');

    const next = await tier.startWorker();
    const photo = await ada.settled(photoId, 30_000);
    expect(photo.status).toBe('ready');
    // Taken over after the lock lapsed: the second started try, in the new process, done once.
    await vi.waitFor(
      () =>
        expect(tier.jobLines().filter((l) => l.job === 'photo.process' && l.photoId === photoId)).toEqual([
          expect.objectContaining({ worker: next.name, msg: 'job done', attempt: 2 }),
        ]),
      AFTER,
    );
    // Completed (and so removed), not in the failed set.
    await vi.waitFor(async () => expect(await photoJobs.getJob(jobId)).toBeUndefined(), AFTER);
    expect((await photoJobs.getFailed()).map((j) => j.id)).not.toContain(jobId);
    const events = await tier.query<{ n: number }>(
      `select count(*)::int as n from user_events where type = 'photo.ready' and data->'photo'->>'id' = $1`,
      [photoId],
    );
    expect(events).toEqual([{ n: 1 }]);
    // Its variants are written and stored; its original is gone.
    const media = await tier.query<{ source_key: string; variants: Record<string, { key: string }> | null }>(
      'select source_key, variants from photo_media where photo_id = $1',
      [photoId],
    );
    for (const m of media) {
      expect(blobExists(tier, m.source_key)).toBe(false);
      expect(Object.keys(m.variants ?? {}).length).toBeGreaterThan(0);
      for (const v of Object.values(m.variants ?? {})) expect(blobExists(tier, v.key)).toBe(true);
    }
  }, 90_000);

  it('a job failing every try: retried with back-off, given up once, in the dead list the operator sees; metrics show it', async () => {
    for (const worker of tier.workers.splice(0)) await worker.child.stop();
    const { uploadId } = await ada.upload(jpeg);
    const photoId = await ada.createPost(uploadId);
    const [upload] = await tier.query<{ key: string }>('select key from uploads where id = $1', [uploadId]);
    // A real fault: the stored original's metadata is corrupt, so every read throws a SyntaxError.
    await writeFile(join(tier.dataDir, 'blobs', 'meta', upload!.key), '{ this is not json');
    const worker = await tier.startWorker();

    const photo = await ada.settled(photoId, 30_000);
    expect(photo).toEqual(expect.objectContaining({ status: 'failed' }));
    expect(photo.failureReason).toBe('processing failed after 3 tries (SyntaxError)');
    const linesOf = () => tier.jobLines().filter((l) => l.job === 'photo.process' && l.photoId === photoId);
    await vi.waitFor(() => expect(linesOf()).toHaveLength(4), AFTER);
    expect(linesOf().map((l) => [l.msg, l.attempt])).toEqual([
      ['job failed', 1],
      ['job failed', 2],
      ['job failed', 3],
      ['job given up', 3],
    ]);
    await vi.waitFor(
      async () => expect(await photoJobs.getJobState(bullJobId(photoId))).toBe('failed'),
      AFTER,
    );

    // The operator's view: `graminsta jobs dead photo.process`, on the tier's configuration.
    const operatorEnv = {
      ...env(),
      DATABASE_URL: tier.databaseUrl,
      DATA_DIR: tier.dataDir,
      LOG_LEVEL: 'silent',
    };
    const lines: string[] = [];
    await runJobs(operatorEnv, { action: 'dead', job: 'photo.process' }, (l) => lines.push(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]!.split(/\s+/).slice(1)).toEqual([
      'photo.process',
      bullJobId(photoId),
      'after',
      '3',
      'tries',
      'SyntaxError',
    ]);

    // The worker's /metrics: the dead job in the depth gauge, the wait of each first try in the histogram.
    const text = await (await fetch(`${worker.child.announced}/metrics`)).text();
    expect(text).toContain('graminsta_queue_jobs{job="photo.process",state="failed"} 1');
    expect(text).toContain('graminsta_queue_jobs{job="photo.process",state="active"} 0');
    expect(text).toMatch(/graminsta_queue_wait_seconds_count\{job="photo.process"\} [1-9]/);
    // The API process (QUEUE=bullmq too, no workers) reads the same depth from Redis.
    const apiText = await (await fetch(`${tier.api}/metrics`)).text();
    expect(apiText).toContain('graminsta_queue_jobs{job="photo.process",state="failed"} 1');

    // Dropped by the operator: the dead list is empty, and the worker never ran it again.
    await runJobs(operatorEnv, { action: 'drop', job: 'photo.process', id: bullJobId(photoId) }, () => {});
    expect(await photoJobs.getJob(bullJobId(photoId))).toBeUndefined();
    expect(linesOf()).toHaveLength(4);
  }, 90_000);
});
