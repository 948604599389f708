import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRepository } from '@graminsta/platform/queue/job.repository';
import { createTestDatabase, type TestDatabase } from '@graminsta/core/testing/test-db';
import { QUEUE_DEPTH_QUERY } from './scaling.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

async function depth(): Promise<number> {
  const result = (await t.database.db.execute(sql.raw(QUEUE_DEPTH_QUERY))) as unknown as {
    rows: Array<{ count: string | number }>;
  };
  return Number(result.rows[0]!.count);
}

// The query KEDA polls, run on the queue's real table as the queue itself writes it.
describe('the queue depth the worker is scaled on', () => {
  it('counts photo jobs due or running, never delayed retries, dead jobs or other job types', async () => {
    const jobs = new JobRepository(t.database.db);
    expect(await depth()).toBe(0);
    for (let i = 0; i < 3; i++) await jobs.insert('photo.process', `due-${i}`, { photoId: String(i) }, 3, 0);
    await jobs.insert('photo.process', 'later', { photoId: '9' }, 3, 60_000);
    await jobs.insert('housekeeping', 'slot-1', { slot: 1 }, 3, 0);
    expect(await depth()).toBe(3);

    // Two claimed: still work in hand, so still counted.
    const [running, failing] = await jobs.claim('photo.process', 2, 60_000, 3);
    expect(await depth()).toBe(3);
    await jobs.complete(running!);
    expect(await depth()).toBe(2);
    // A failure waiting for its retry is not work a new pod could take now.
    await jobs.fail(failing!, 'boom', 60_000);
    expect(await depth()).toBe(1);

    // A dead job (tries spent, buried) is kept for operators and never counted.
    await jobs.insert('photo.process', 'dead', { photoId: '7' }, 1, 0);
    expect(await depth()).toBe(2);
    const [last] = (await jobs.claim('photo.process', 5, 60_000, 3)).filter((j) => j.max_attempts === 1);
    await jobs.recordError(last!, 'broken');
    await jobs.bury(last!);
    expect(await depth()).toBe(1);
  });
});
