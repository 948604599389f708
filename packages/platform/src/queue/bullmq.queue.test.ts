import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Json } from '../ports.ts';
import { BullMqQueue, bullJobId, errorClassOf, type BullMqQueueOptions } from './bullmq.queue.ts';
import { queueContract } from './queue.contract.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';
const WAIT = { timeout: 15_000, interval: 20 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Every queue of this file under its own prefix, removed at the end: nothing left in the shared Redis.
const prefixes: string[] = [];
const open: BullMqQueue[] = [];
function makeQueue(opts: Partial<BullMqQueueOptions> = {}): BullMqQueue {
  const prefix = `gtest-${Math.random().toString(36).slice(2)}`;
  prefixes.push(prefix);
  const queue = new BullMqQueue({ redis: { url: REDIS_URL }, prefix, backoffMs: () => 20, ...opts });
  open.push(queue);
  return queue;
}

afterAll(async () => {
  for (const queue of open) await queue.close();
  const redis = new Redis(REDIS_URL);
  try {
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
}, 60_000);

queueContract('BullMqQueue on Redis', async () => makeQueue());

const unique = (what: string) => `${what}.${Math.random().toString(36).slice(2)}`;

describe('BullMqQueue', () => {
  it('keeps a job out of tries in the dead list with its error class, runs onDead once, and lets the operator retry or drop it', async () => {
    const name = unique('dead');
    const queue = makeQueue();
    let runs = 0;
    let fixed = false;
    const dead: Array<[Json, number]> = [];
    queue.process(
      name,
      async () => {
        runs++;
        if (!fixed) JSON.parse('{ not json');
      },
      { onDead: async (payload, d) => void dead.push([payload, d.attempts]) },
    );
    await queue.enqueue(name, { photoId: '42' }, { jobId: '42', attempts: 2 });
    await vi.waitFor(async () => expect(await queue.listDead([name])).toHaveLength(1), WAIT);
    const [letter] = await queue.listDead([name]);
    expect(letter).toEqual({
      job: name,
      id: bullJobId('42'),
      attempts: 2,
      errorClass: 'SyntaxError',
      failedAt: expect.any(Date),
    });
    // The operator's view holds no payload.
    expect(JSON.stringify(letter)).not.toContain('photoId');
    await sleep(300);
    expect(runs).toBe(2);
    expect(dead).toEqual([[{ photoId: '42' }, 2]]);
    expect(await queue.depth([name])).toEqual(
      expect.arrayContaining([
        { job: name, state: 'failed', count: 1 },
        { job: name, state: 'waiting', count: 0 },
      ]),
    );

    // Retried by the operator: all its tries anew, and it succeeds this time.
    fixed = true;
    expect(await queue.retryDead(name, letter!.id)).toBe(true);
    await vi.waitFor(() => expect(runs).toBe(3), WAIT);
    await vi.waitFor(async () => expect(await queue.listDead([name])).toEqual([]), WAIT);
    expect(await queue.retryDead(name, letter!.id)).toBe(false);
    expect(dead).toHaveLength(1);
  });

  it('drops a dead job on the operator’s word, and revives a dead jobId enqueued anew', async () => {
    const name = unique('drop');
    const queue = makeQueue();
    const seen: Json[] = [];
    queue.process(name, async (payload) => {
      seen.push(payload);
      if (payload === 'bad') throw new TypeError('bad payload');
    });
    await queue.enqueue(name, 'bad', { jobId: 'a', attempts: 1 });
    await queue.enqueue(name, 'bad', { jobId: 'b', attempts: 1 });
    await vi.waitFor(async () => expect(await queue.listDead([name])).toHaveLength(2), WAIT);
    expect((await queue.listDead([name])).map((d) => d.errorClass)).toEqual(['TypeError', 'TypeError']);
    expect(await queue.dropDead(name, bullJobId('a'))).toBe(true);
    expect(await queue.dropDead(name, bullJobId('a'))).toBe(false);
    expect((await queue.listDead([name])).map((d) => d.id)).toEqual([bullJobId('b')]);
    // 'b' is dead, not pending: the same jobId enqueued again runs.
    await queue.enqueue(name, 'good', { jobId: 'b' });
    await vi.waitFor(() => expect(seen).toContain('good'), WAIT);
    await vi.waitFor(async () => expect(await queue.listDead([name])).toEqual([]), WAIT);
  });

  it('a job whose worker vanished runs again in another worker after its lock lapses, once', async () => {
    const name = unique('stall');
    const prefix = `gtest-${Math.random().toString(36).slice(2)}`;
    prefixes.push(prefix);
    // The first worker takes the job and then loses its connection for good (as a killed process would):
    // it never finishes nor renews the lock.
    const first = new BullMqQueue({
      redis: { url: REDIS_URL },
      prefix,
      leaseMs: 1000,
      stalledIntervalMs: 300,
      closeTimeoutMs: 500,
    });
    open.push(first);
    const taken: number[] = [];
    let vanish!: () => void;
    const vanished = new Promise<void>((resolve) => (vanish = resolve));
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    first.process(name, async (_payload, ctx) => {
      taken.push(ctx.attempt);
      vanish();
      await ended; // not before the test is over
    });
    await first.enqueue(name, { photoId: '9' }, { jobId: '9', attempts: 3 });
    await vanished;
    // Cut its connections: its lock can no longer be renewed, and close() is not waited for.
    (first as unknown as { consumer: Redis }).consumer.disconnect();

    const second = new BullMqQueue({
      redis: { url: REDIS_URL },
      prefix,
      leaseMs: 1000,
      stalledIntervalMs: 300,
    });
    open.push(second);
    const done: number[] = [];
    second.process(name, async (_payload, ctx) => void done.push(ctx.attempt));
    await vi.waitFor(() => expect(done).toEqual([2]), WAIT);
    await sleep(1500);
    expect(taken).toEqual([1]);
    expect(done).toEqual([2]);
    expect(await second.listDead([name])).toEqual([]);
    end();
  });

  it('refuses a Redis Cluster prefix without a hash tag', () => {
    expect(() => new BullMqQueue({ redis: { clusterNodes: ['127.0.0.1:1'] }, prefix: 'graminsta' })).toThrow(
      /hash-tagged prefix/,
    );
  });

  it('reads the error class from the kept reason', () => {
    expect(errorClassOf('SyntaxError: Unexpected token')).toBe('SyntaxError');
    expect(errorClassOf(undefined)).toBe('Error');
  });
});
