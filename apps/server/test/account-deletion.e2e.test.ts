import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_PG_ADMIN_URL, usingPostgres } from '@graminsta/core/testing/test-db';
import { jpegWithGps } from '../src/testing/images.ts';
import { TierClient, startWorkerTier, type WorkerTier } from '../src/worker/worker-tier.harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Kept by design when an account goes: the moderators' record of reports about it and actions.
const KEPT = new Set([
  'reports.target_id',
  'reports.target_owner_id',
  'moderation_actions.target_id',
  'moderation_actions.moderator_id',
]);

/** Every bigint column of the schema that still holds `id`, with its count. */
async function columnsHolding(tier: WorkerTier, id: string): Promise<string[]> {
  const cols = await tier.query<{ table_name: string; column_name: string }>(
    `select table_name, column_name from information_schema.columns
      where table_schema = 'public' and data_type = 'bigint'`,
  );
  const found: string[] = [];
  for (const c of cols) {
    const name = `${c.table_name}.${c.column_name}`;
    if (KEPT.has(name)) continue;
    const [row] = await tier.query<{ n: number }>(
      `select count(*)::int as n from "${c.table_name}" where "${c.column_name}" = $1`,
      [id],
    );
    if (row!.n > 0) found.push(`${name}: ${row!.n}`);
  }
  return found;
}

/** The store's objects (files only: the disk store leaves emptied folders, which hold nothing). */
async function storedObjects(tier: WorkerTier): Promise<string[]> {
  const root = join(tier.dataDir, 'blobs', 'objects');
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/**
 * Account deletion run by real worker processes on PostgreSQL: the worker running the job is
 * SIGKILLed midway, and the job, taken over after its lease by the next worker, finishes it.
 */
describe.skipIf(!usingPostgres())('account deletion in a worker SIGKILLed midway', () => {
  let tier: WorkerTier;

  beforeAll(async () => {
    tier = await startWorkerTier({
      adminUrl: TEST_PG_ADMIN_URL,
      env: {
        QUEUE_LEASE_MS: '2000',
        QUEUE_RETRY_BASE_MS: '200',
        QUEUE_ATTEMPTS: '5',
        WORKER_CONCURRENCY: '1',
      },
    });
  }, 120_000);
  afterAll(async () => {
    await tier?.stop();
  }, 60_000);

  it('resumes in the next worker and leaves no row or object of the account, counters right', async () => {
    const first = await tier.startWorker();
    const leaver = await TierClient.signUp(tier.api, 'leaver');
    const bob = await TierClient.signUp(tier.api, 'bob');
    const postId = await leaver.createPost((await leaver.upload(await jpegWithGps(400, 300))).uploadId);
    expect((await leaver.settled(postId, 30_000)).status).toBe('ready');
    expect((await bob.call('PUT', '/users/leaver/follow')).status).toBe(200);
    expect((await leaver.call('PUT', '/users/bob/follow')).status).toBe(200);
    expect((await bob.call('PUT', `/photos/${postId}/like`)).status).toBe(200);
    const [me] = await tier.query<{ id: string }>(`select id::text from users where username = 'leaver'`);
    const [other] = await tier.query<{ id: string }>(`select id::text from users where username = 'bob'`);
    // Enough rows that the job runs many batches: there is a "midway" to kill it in.
    const MANY = 60_000;
    await tier.query(
      `insert into notifications (user_id, type, actor_id) select $1, 'follow', $2 from generate_series(1, ${MANY})`,
      [me!.id, other!.id],
    );
    // The post's variants are in the store (the check at the end looks in the right place).
    expect((await storedObjects(tier)).filter((k) => k.includes(postId)).length).toBeGreaterThan(0);
    // No worker while the deletion is asked for: the next one to start takes the job.
    await first.child.stop();
    tier.workers.splice(0);

    const asked = await leaver.call('DELETE', '/me', { password: 'leaver has a password' });
    expect(asked.status).toBe(202);
    expect((await leaver.call('GET', '/me')).status).toBe(401);

    const victim = await tier.startWorker();
    const left = async () =>
      (
        await tier.query<{ n: number }>('select count(*)::int as n from notifications where user_id = $1', [
          me!.id,
        ])
      )[0]!.n;
    for (let i = 0; ; i++) {
      const n = await left();
      if (n < MANY) break;
      if (i > 4000) throw new Error('the deletion job never started');
      await sleep(5);
    }
    victim.child.process.kill('SIGKILL');
    expect(await victim.child.exited).toBeNull();
    tier.workers.splice(0);
    // Midway: the account and some of its rows are still there; bob's counters are right already.
    expect(await left()).toBeGreaterThan(0);
    expect(await tier.query('select id from users where id = $1', [me!.id])).toHaveLength(1);
    const [bobRow] = await tier.query<{ follower_count: number; following_count: number }>(
      'select follower_count, following_count from users where id = $1',
      [other!.id],
    );
    expect(bobRow).toEqual({ follower_count: 0, following_count: 0 });

    const next = await tier.startWorker();
    await vi.waitFor(
      async () => expect(await tier.query('select id from users where id = $1', [me!.id])).toEqual([]),
      { timeout: 60_000, interval: 200 },
    );
    expect(next.jobLines().filter((l) => l.job === 'account.delete')).toEqual([
      expect.objectContaining({ msg: 'job done', attempt: 2 }),
    ]);
    expect(await columnsHolding(tier, me!.id)).toEqual([]);
    expect(await columnsHolding(tier, postId)).toEqual([]);
    expect((await storedObjects(tier)).filter((k) => k.includes(postId) || k.includes(me!.id))).toEqual([]);
    // The name is free again.
    expect((await TierClient.signUp(tier.api, 'leaver')).token).toBeTruthy();
  }, 180_000);
});
