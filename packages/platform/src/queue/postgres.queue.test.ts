import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  TEST_PG_ADMIN_URL,
  createTestDatabase,
  usingPostgres,
  type TestDatabase,
} from '@graminsta/core/testing/test-db';
import { PostgresPubSub } from '../pubsub/postgres.pubsub.ts';
import type { Json } from '../ports.ts';
import { DEAD_HANDLER_TRIES } from './backoff.ts';
import { PostgresQueue, type PostgresQueueOptions } from './postgres.queue.ts';
import { queueContract } from './queue.contract.ts';

const WAIT = { timeout: 10_000, interval: 20 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

const open: PostgresQueue[] = [];
function makeQueue(opts: Partial<PostgresQueueOptions> = {}): PostgresQueue {
  const queue = new PostgresQueue({ db: t.database.db, pollMs: 50, backoffMs: () => 50, ...opts });
  open.push(queue);
  return queue;
}
afterAll(async () => {
  for (const queue of open) await queue.close();
});

async function rowsOf(
  name: string,
): Promise<Array<{ attempts: number; last_error: string | null; locked_until: unknown }>> {
  const result = (await t.database.db.execute(
    sql`select attempts, last_error, locked_until from jobs where name = ${name}`,
  )) as unknown as { rows: Array<{ attempts: number; last_error: string | null; locked_until: unknown }> };
  return result.rows;
}

const unique = (what: string) => `${what}.${Math.random().toString(36).slice(2)}`;

queueContract(`PostgresQueue on ${usingPostgres() ? 'PostgreSQL' : 'PGlite'}`, async () => makeQueue());

describe('PostgresQueue', () => {
  it('deletes a job once its handler succeeds', async () => {
    const name = unique('ok');
    const queue = makeQueue();
    let done = false;
    queue.process(name, async () => void (done = true));
    await queue.enqueue(name, 1);
    await vi.waitFor(() => expect(done).toBe(true), WAIT);
    await vi.waitFor(async () => expect(await rowsOf(name)).toEqual([]), WAIT);
  });

  it('keeps a job that ran out of attempts as dead, with its last error, and never runs it again', async () => {
    const name = unique('dead');
    const queue = makeQueue();
    let runs = 0;
    queue.process(name, async () => {
      runs++;
      throw new Error(`boom ${runs}`);
    });
    await queue.enqueue(name, 1, { attempts: 2, jobId: 'p1' });
    await vi.waitFor(async () => expect((await rowsOf(name))[0]?.last_error).toMatch(/boom 2/), WAIT);
    await sleep(400);
    expect(runs).toBe(2);
    const [row] = await rowsOf(name);
    expect(row).toMatchObject({ attempts: 2, locked_until: null });

    // The same jobId enqueued again brings the dead job back to life.
    await queue.enqueue(name, 2, { attempts: 1, jobId: 'p1' });
    await vi.waitFor(() => expect(runs).toBe(3), WAIT);
  });

  it('runs jobs acknowledged before a restart in the next process', async () => {
    const name = unique('durable');
    const before = makeQueue();
    await before.enqueue(name, { n: 1 });
    await before.enqueue(name, { n: 2 });
    await before.close();

    const after = makeQueue();
    const seen: Json[] = [];
    after.process(name, async (payload) => void seen.push(payload));
    await vi.waitFor(() => expect(seen).toHaveLength(2), WAIT);
    expect(seen).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2 }]));
  });

  it("runs a crashed worker's job again once its lease expires", async () => {
    const name = unique('crash');
    // Worker A takes the job, then stops making progress without renewing its lease: a crash.
    const a = makeQueue({ leaseMs: 800, heartbeatMs: 0 });
    let releaseA!: () => void;
    const stuck = new Promise<void>((resolve) => (releaseA = resolve));
    const runs: string[] = [];
    a.process(name, async (_p, ctx) => {
      runs.push(`A${ctx.attempt}`);
      await stuck;
    });
    await a.enqueue(name, 'photo-1');
    await vi.waitFor(() => expect(runs).toEqual(['A1']), WAIT);

    const b = makeQueue();
    b.process(name, async (_p, ctx) => void runs.push(`B${ctx.attempt}`));
    await vi.waitFor(() => expect(runs).toEqual(['A1', 'B2']), WAIT);
    await vi.waitFor(async () => expect(await rowsOf(name)).toEqual([]), WAIT);

    // A's late finish must not disturb anything.
    releaseA();
    await a.close();
    expect(runs).toEqual(['A1', 'B2']);
  });

  it('reaps a job whose worker died on its last try: the dead-job handler runs, the job is not run again', async () => {
    const name = unique('lost');
    // A crashes inside the job's only try (stuck, no heartbeat): no retry is left for anyone.
    const a = makeQueue({ leaseMs: 800, heartbeatMs: 0 });
    let releaseA!: () => void;
    const stuck = new Promise<void>((resolve) => (releaseA = resolve));
    const runs: string[] = [];
    a.process(name, async () => {
      runs.push('A');
      await stuck;
    });
    await a.enqueue(name, { photoId: '9' }, { attempts: 1 });
    await vi.waitFor(() => expect(runs).toEqual(['A']), WAIT);

    const b = makeQueue();
    const dead: Array<[Json, number, string]> = [];
    b.process(name, async () => void runs.push('B'), {
      onDead: async (payload, d) => void dead.push([payload, d.attempts, (d.error as Error).name]),
    });
    await vi.waitFor(() => expect(dead).toEqual([[{ photoId: '9' }, 1, 'JobLostError']]), WAIT);
    // Buried: kept, without a lease, never claimed again.
    await vi.waitFor(async () => expect((await rowsOf(name))[0]?.locked_until).toBeNull(), WAIT);
    await sleep(1200);
    expect(runs).toEqual(['A']);
    expect(dead).toHaveLength(1);
    releaseA();
    await a.close();
  });

  it('tries a failing dead-job handler again after its lease, a bounded number of times', async () => {
    const name = unique('deadfail');
    const q = makeQueue({ leaseMs: 600, heartbeatMs: 0 });
    let calls = 0;
    q.process(
      name,
      async () => {
        throw new Error('always');
      },
      {
        onDead: async () => {
          calls++;
          throw new Error('the database is away');
        },
      },
    );
    await q.enqueue(name, 1, { attempts: 1 });
    // The handler's call after the last try, then DEAD_HANDLER_TRIES reaps, each after a lapsed lease.
    await vi.waitFor(() => expect(calls).toBe(1 + DEAD_HANDLER_TRIES), { timeout: 15_000, interval: 50 });
    await sleep(1500);
    expect(calls).toBe(1 + DEAD_HANDLER_TRIES);
    expect((await rowsOf(name))[0]?.last_error).toMatch(/always/);
  });

  it('renews the lease of a long job so no other worker takes it', async () => {
    const name = unique('long');
    // Heartbeats a tenth of the lease apart: a busy machine may delay several and still renew in time.
    const a = makeQueue({ leaseMs: 1000, heartbeatMs: 100 });
    const b = makeQueue({ leaseMs: 1000, heartbeatMs: 100 });
    let finish!: () => void;
    const held = new Promise<void>((resolve) => (finish = resolve));
    const runs: number[] = [];
    a.process(name, async (_p, ctx) => {
      runs.push(ctx.attempt);
      await held;
    });
    await a.enqueue(name, 1);
    await vi.waitFor(() => expect(runs).toEqual([1]), WAIT);
    const [claimed] = await rowsOf(name);
    const firstLease = new Date(claimed!.locked_until as string | Date);
    b.process(name, async (_p, ctx) => void runs.push(ctx.attempt));
    // Held until the database clock has passed the first lease's end (an event, not a guessed
    // sleep); by then only renewal keeps the lease: without it this fails whether or not b polled.
    const lease = async () => {
      const result = (await t.database.db.execute(
        sql`select now() > ${firstLease.toISOString()}::timestamptz + interval '200 milliseconds' as past,
                   locked_until > now() as held
              from jobs where name = ${name}`,
      )) as unknown as { rows: Array<{ past: boolean; held: boolean }> };
      return result.rows[0]!;
    };
    await vi.waitFor(async () => expect((await lease()).past).toBe(true), WAIT);
    expect((await lease()).held).toBe(true);
    expect(runs).toEqual([1]);
    finish();
    await vi.waitFor(async () => expect(await rowsOf(name)).toEqual([]), WAIT);
    expect(runs).toEqual([1]);
  });

  it('shares jobs between workers without running any twice', async () => {
    const name = unique('shared');
    const seen: Json[] = [];
    for (const queue of [makeQueue(), makeQueue()]) {
      queue.process(
        name,
        async (payload) => {
          await sleep(5);
          seen.push(payload);
        },
        { concurrency: 3 },
      );
    }
    const enqueuer = makeQueue();
    for (let i = 0; i < 30; i++) await enqueuer.enqueue(name, i);
    await vi.waitFor(() => expect(seen).toHaveLength(30), WAIT);
    await sleep(300);
    expect([...seen].sort((x, y) => Number(x) - Number(y))).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('wakes an idle worker in another process at once when given a pub/sub', async () => {
    const name = unique('wake');
    const pgChannel = `graminsta_test_${Math.random().toString(36).slice(2)}`;
    const busA = new PostgresPubSub({ url: TEST_PG_ADMIN_URL, pgChannel });
    const busB = new PostgresPubSub({ url: TEST_PG_ADMIN_URL, pgChannel });
    try {
      // Polls so rarely that only a wake-up can explain the job running within the wait.
      const a = makeQueue({ pollMs: 60_000, wakeup: busA });
      const b = makeQueue({ pollMs: 60_000, wakeup: busB });
      const seen: Json[] = [];
      b.process(name, async (payload) => void seen.push(payload));
      await sleep(300); // b has polled once and is asleep
      await a.enqueue(name, 'now');
      await vi.waitFor(() => expect(seen).toEqual(['now']), WAIT);
      await b.close();
      await a.close();
    } finally {
      await busA.close();
      await busB.close();
    }
  });
});

describe('PostgresQueue: depth, wait and the dead-letter list', () => {
  it('counts jobs by state, lists a dead job with its error class and no payload, retries and drops it', async () => {
    const name = unique('ops');
    const waits: Array<[string, number]> = [];
    const queue = makeQueue({ onWait: (job, seconds) => waits.push([job, seconds]) });
    await queue.enqueue(name, { photoId: '1' }, { delayMs: 60_000 });
    expect(await queue.depth([name])).toEqual([
      { job: name, state: 'waiting', count: 0 },
      { job: name, state: 'delayed', count: 1 },
      { job: name, state: 'active', count: 0 },
      { job: name, state: 'failed', count: 0 },
    ]);
    let fixed = false;
    let runs = 0;
    queue.process(name, async () => {
      runs++;
      if (!fixed) JSON.parse('{ not json');
    });
    await queue.enqueue(name, { photoId: '2' }, { attempts: 1 });
    await vi.waitFor(async () => expect(await queue.listDead([name])).toHaveLength(1), WAIT);
    const [letter] = await queue.listDead([name]);
    expect(letter).toEqual({
      job: name,
      id: expect.stringMatching(/^[0-9]+$/),
      attempts: 1,
      errorClass: 'SyntaxError',
      failedAt: expect.any(Date),
    });
    expect(JSON.stringify(letter)).not.toContain('photoId');
    expect(waits).toEqual([[name, expect.any(Number)]]);
    expect((await queue.depth([name])).find((d) => d.state === 'failed')?.count).toBe(1);

    fixed = true;
    expect(await queue.retryDead(`${name}.other`, letter!.id)).toBe(false);
    expect(await queue.retryDead(name, letter!.id)).toBe(true);
    await vi.waitFor(() => expect(runs).toBe(2), WAIT);
    await vi.waitFor(async () => expect(await queue.listDead([name])).toEqual([]), WAIT);

    fixed = false;
    await queue.enqueue(name, { photoId: '3' }, { attempts: 1 });
    await vi.waitFor(async () => expect(await queue.listDead([name])).toHaveLength(1), WAIT);
    const [again] = await queue.listDead([name]);
    expect(await queue.dropDead(name, 'not-an-id')).toBe(false);
    expect(await queue.dropDead(name, again!.id)).toBe(true);
    expect(await queue.listDead([name])).toEqual([]);
    expect(await rowsOf(name)).toHaveLength(1); // only the delayed one is left
  });
});
