import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_PG_ADMIN_URL, usingPostgres } from '@graminsta/core/testing/test-db';
import { jpegWithGps } from '../src/testing/images.ts';
import { TierClient, startWorkerTier, type WorkerTier } from '../src/worker/worker-tier.harness.ts';

const LEASE_MS = 2000;
// The post turns ready or failed inside the job; its log line and the job row's update follow just after.
const AFTER = { timeout: 10_000, interval: 50 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface JobRow {
  attempts: number;
  max_attempts: number;
  locked: boolean;
  last_error: string | null;
}

async function jobOf(tier: WorkerTier, photoId: string): Promise<JobRow | undefined> {
  const [row] = await tier.query<JobRow>(
    `select attempts, max_attempts, locked_until > now() as locked, last_error
       from jobs where name = 'photo.process' and job_key = $1`,
    [photoId],
  );
  return row;
}

async function sourceKeysOf(tier: WorkerTier, photoId: string): Promise<string[]> {
  const rows = await tier.query<{ source_key: string }>(
    'select source_key from photo_media where photo_id = $1',
    [photoId],
  );
  return rows.map((r) => r.source_key);
}

/** Is the original's body still in the blob folder (the local-disk store of stages 1–4)? */
const originalExists = (tier: WorkerTier, key: string) =>
  existsSync(join(tier.dataDir, 'blobs', 'objects', key));

/**
 * The worker tier as separate processes on PostgreSQL: one API-and-storage process, and worker
 * processes added and killed as the tests go (one topology for the whole file, on the PostgreSQL
 * pass only). The lease is short through QUEUE_LEASE_MS, so a killed worker's job comes back in
 * two seconds, and retries start 200 ms apart (QUEUE_RETRY_BASE_MS).
 */
describe.skipIf(!usingPostgres())('the worker tier: worker processes on PostgreSQL', () => {
  let tier: WorkerTier;
  let ada: TierClient;
  let jpeg: Buffer;

  beforeAll(async () => {
    tier = await startWorkerTier({
      adminUrl: TEST_PG_ADMIN_URL,
      env: {
        QUEUE_LEASE_MS: String(LEASE_MS),
        QUEUE_RETRY_BASE_MS: '200',
        QUEUE_ATTEMPTS: '3',
        WORKER_CONCURRENCY: '1',
      },
    });
    await tier.startWorker();
    ada = await TierClient.signUp(tier.api, 'ada');
    jpeg = await jpegWithGps(3000, 2000);
  }, 120_000);

  afterAll(async () => {
    await tier?.stop();
  }, 60_000);

  it('retries a job that keeps failing with back-off, then fails the post with its reason and deletes the original', async () => {
    // No worker runs while the post is made and its original damaged, so none reads it first.
    for (const worker of tier.workers.splice(0)) await worker.child.stop();
    const { uploadId } = await ada.upload(jpeg);
    const photoId = await ada.createPost(uploadId);
    const [upload] = await tier.query<{ key: string }>('select key from uploads where id = $1', [uploadId]);
    // A real fault, not a stubbed one: the stored original's metadata is corrupt, so every read throws.
    await writeFile(join(tier.dataDir, 'blobs', 'meta', upload!.key), '{ this is not json');
    await tier.startWorker();

    const photo = await ada.settled(photoId, 30_000);
    expect(photo).toEqual(expect.objectContaining({ status: 'failed' }));
    expect(photo.failureReason).toBe('processing failed after 3 tries (SyntaxError)');
    // The reason names no path, address or stack.
    expect(photo.failureReason).not.toMatch(/\/|json/i);

    // Three tries, each after the one before, further apart each time (200 ms, then 400 ms).
    const linesOf = () => tier.jobLines().filter((l) => l.job === 'photo.process' && l.photoId === photoId);
    await vi.waitFor(() => expect(linesOf()).toHaveLength(4), AFTER);
    const tries = linesOf();
    expect(tries.map((l) => [l.msg, l.attempt])).toEqual([
      ['job failed', 1],
      ['job failed', 2],
      ['job failed', 3],
      ['job given up', 3],
    ]);
    const [first, second, third] = tries.map((l) => l.time);
    expect(second! - first!).toBeGreaterThanOrEqual(200);
    expect(third! - second!).toBeGreaterThanOrEqual(400);
    // The job is kept, dead: its tries spent, no lease, the last error for an operator.
    await vi.waitFor(
      async () =>
        expect(await jobOf(tier, photoId)).toEqual({
          attempts: 3,
          max_attempts: 3,
          locked: null,
          last_error: expect.stringContaining('SyntaxError'),
        }),
      AFTER,
    );
    // No original is left behind, in the database's view or on disk.
    for (const sourceKey of await sourceKeysOf(tier, photoId))
      expect(originalExists(tier, sourceKey)).toBe(false);
    const [event] = await tier.query<{ data: { reason: string } }>(
      `select data from user_events where type = 'photo.failed' and data->>'photoId' = $1`,
      [photoId],
    );
    expect(event?.data.reason).toBe(photo.failureReason);
  }, 60_000);

  it('a worker SIGKILLed mid-job: the job runs again after its lease in the next worker, and the post ends ready', async () => {
    const [victim] = tier.workers;
    const { uploadId } = await ada.upload(jpeg);
    const photoId = await ada.createPost(uploadId);
    // Killed while it holds the job: claimed (a lease, one attempt counted), not yet done.
    for (let i = 0; ; i++) {
      const job = await jobOf(tier, photoId);
      if (job?.locked && job.attempts === 1) break;
      if (i > 2000) throw new Error('the job was never claimed');
      await sleep(5);
    }
    victim!.child.process.kill('SIGKILL');
    expect(await victim!.child.exited).toBeNull();
    tier.workers.splice(tier.workers.indexOf(victim!), 1);
    expect(victim!.jobLines().filter((l) => l.job === 'photo.process' && l.photoId === photoId)).toEqual([]);
    expect((await ada.photo(photoId)).status).toBe('processing');
    expect(await jobOf(tier, photoId)).toMatchObject({ attempts: 1, locked: true });

    const next = await tier.startWorker();
    const photo = await ada.settled(photoId, 30_000);
    expect(photo.status).toBe('ready');
    // Taken over through the lease: the second try, by the new process; the job row is gone.
    await vi.waitFor(
      () =>
        expect(next.jobLines().filter((l) => l.job === 'photo.process' && l.photoId === photoId)).toEqual([
          expect.objectContaining({ msg: 'job done', attempt: 2 }),
        ]),
      AFTER,
    );
    await vi.waitFor(async () => expect(await jobOf(tier, photoId)).toBeUndefined(), AFTER);
    for (const sourceKey of await sourceKeysOf(tier, photoId))
      expect(originalExists(tier, sourceKey)).toBe(false);
  }, 60_000);

  for (const count of [2, 3]) {
    it(`${count} workers share the jobs without running any twice`, async () => {
      while (tier.workers.length < count) await tier.startWorker();
      const before = new Set(tier.jobLines().map((l) => l.photoId));
      const posts = 4 * count;
      // Everything uploaded first, then the posts at once: the workers race for a full queue.
      const uploads = await Promise.all(Array.from({ length: posts }, () => ada.upload(jpeg)));
      const ids = await Promise.all(uploads.map((u) => ada.createPost(u.uploadId)));
      const settled = await Promise.all(ids.map((id) => ada.settled(id, 120_000)));
      expect(settled.map((p) => p.status)).toEqual(ids.map(() => 'ready'));

      const newLines = () =>
        tier.jobLines().filter((l) => l.job === 'photo.process' && !before.has(l.photoId));
      await vi.waitFor(() => expect(newLines().length).toBeGreaterThanOrEqual(posts), AFTER);
      await vi.waitFor(
        async () =>
          expect(
            await tier.query(`select 1 from jobs where name = 'photo.process' and job_key = any($1)`, [ids]),
          ).toEqual([]),
        AFTER,
      );
      const lines = newLines();
      // Each post processed once, on its first try, by exactly one of the workers.
      expect(lines.map((l) => l.photoId).sort()).toEqual([...ids].sort());
      expect(lines.every((l) => l.msg === 'job done' && l.attempt === 1)).toBe(true);
      // …and the work was shared: every live worker did some of it.
      const byWorker = new Set(lines.map((l) => l.worker));
      expect([...byWorker].sort()).toEqual(tier.workers.map((w) => w.name).sort());
      // The owner heard of each post once.
      const events = await tier.query<{ id: string; n: number }>(
        `select data->'photo'->>'id' as id, count(*)::int as n from user_events
          where type = 'photo.ready' and data->'photo'->>'id' = any($1) group by 1`,
        [ids],
      );
      expect(events.map((e) => e.n)).toEqual(ids.map(() => 1));
      for (const id of ids)
        for (const key of await sourceKeysOf(tier, id)) expect(originalExists(tier, key)).toBe(false);
    }, 180_000);
  }
});
