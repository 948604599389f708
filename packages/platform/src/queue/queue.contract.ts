import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Json, JobContext, Queue } from '../ports.ts';

const WAIT = { timeout: 10_000, interval: 10 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when `release()` is called: lets a test hold a job mid-run. */
function gate() {
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  return { opened, release };
}

/**
 * The behaviour every Queue adapter shares. `factory` must make a queue with a short retry
 * backoff (tens of milliseconds); `settleMs` is how long "nothing more happens" is watched for.
 */
export function queueContract(name: string, factory: () => Promise<Queue>, settleMs = 400): void {
  describe(`Queue contract: ${name}`, () => {
    let queue: Queue;
    let job: string;

    beforeEach(async () => {
      queue = await factory();
      job = `test.${Math.random().toString(36).slice(2)}`;
    });
    afterEach(async () => {
      await queue.close();
    });

    it('runs the handler with the payload of an enqueued job', async () => {
      const seen: Array<[Json, JobContext]> = [];
      queue.process(job, async (payload, ctx) => void seen.push([payload, ctx]));
      await queue.enqueue(job, { photoId: '123', sizes: [150, 1080] });
      await vi.waitFor(() => expect(seen).toHaveLength(1), WAIT);
      const [payload, ctx] = seen[0]!;
      expect(payload).toEqual({ photoId: '123', sizes: [150, 1080] });
      expect(ctx.attempt).toBe(1);
      expect(typeof ctx.id).toBe('string');
    });

    it('runs jobs enqueued before a handler was registered', async () => {
      await queue.enqueue(job, 'early');
      const seen: Json[] = [];
      queue.process(job, async (payload) => void seen.push(payload));
      await vi.waitFor(() => expect(seen).toEqual(['early']), WAIT);
    });

    it('retries a failing job and runs it once it succeeds', async () => {
      const attempts: number[] = [];
      queue.process(job, async (_payload, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 2) throw new Error('transient');
      });
      await queue.enqueue(job, 1, { attempts: 3 });
      await vi.waitFor(() => expect(attempts).toEqual([1, 2]), WAIT);
      await sleep(settleMs);
      expect(attempts).toEqual([1, 2]);
    });

    it('gives up on a job after its attempts are spent', async () => {
      const attempts: number[] = [];
      queue.process(job, async (_payload, ctx) => {
        attempts.push(ctx.attempt);
        throw new Error('always fails');
      });
      await queue.enqueue(job, 'a', { attempts: 2 });
      await queue.enqueue(job, 'b');
      // 'b' got the default of 3 attempts.
      await vi.waitFor(() => expect(attempts).toHaveLength(5), WAIT);
      await sleep(settleMs);
      expect(attempts.sort()).toEqual([1, 1, 2, 2, 3]);
    });

    it('hands a job that spent its attempts to the dead-job handler, once, with its payload and last error', async () => {
      const dead: Array<[Json, number, string]> = [];
      let runs = 0;
      queue.process(
        job,
        async () => {
          runs++;
          throw new Error(`broken ${runs}`);
        },
        { onDead: async (payload, d) => void dead.push([payload, d.attempts, String(d.error)]) },
      );
      await queue.enqueue(job, { photoId: '7' }, { attempts: 2 });
      await vi.waitFor(() => expect(dead).toHaveLength(1), WAIT);
      await sleep(settleMs);
      expect(runs).toBe(2);
      expect(dead).toEqual([[{ photoId: '7' }, 2, 'Error: broken 2']]);
    });

    it('never calls the dead-job handler for a job that succeeds on a retry', async () => {
      let dead = 0;
      queue.process(
        job,
        async (_payload, ctx) => {
          if (ctx.attempt < 2) throw new Error('transient');
        },
        { onDead: async () => void dead++ },
      );
      await queue.enqueue(job, 1, { attempts: 2 });
      await sleep(settleMs * 2);
      expect(dead).toBe(0);
    });

    it('enqueues a job once while another with the same jobId is pending', async () => {
      const seen: Json[] = [];
      await queue.enqueue(job, 'first', { jobId: 'photo-1' });
      await queue.enqueue(job, 'second', { jobId: 'photo-1' });
      await queue.enqueue(job, 'other', { jobId: 'photo-2' });
      queue.process(job, async (payload) => void seen.push(payload));
      await vi.waitFor(() => expect(seen.sort()).toEqual(['first', 'other']), WAIT);
      // Once the first is done, the same jobId may be enqueued again.
      await queue.enqueue(job, 'again', { jobId: 'photo-1' });
      await vi.waitFor(() => expect(seen).toContain('again'), WAIT);
      await sleep(settleMs);
      expect(seen).toHaveLength(3);
    });

    it('keeps jobIds of different job names apart', async () => {
      const other = `${job}.other`;
      const seen: string[] = [];
      queue.process(job, async () => void seen.push(job));
      queue.process(other, async () => void seen.push(other));
      await queue.enqueue(job, 1, { jobId: 'same' });
      await queue.enqueue(other, 1, { jobId: 'same' });
      await vi.waitFor(() => expect(seen.sort()).toEqual([job, other].sort()), WAIT);
    });

    it('runs a delayed job after jobs that are due now', async () => {
      const seen: Json[] = [];
      await queue.enqueue(job, 'later', { delayMs: 600 });
      await queue.enqueue(job, 'now');
      queue.process(job, async (payload) => void seen.push(payload));
      await vi.waitFor(() => expect(seen).toEqual(['now', 'later']), WAIT);
    });

    it('never runs more jobs at once than the concurrency allows', async () => {
      let running = 0;
      let most = 0;
      let done = 0;
      queue.process(
        job,
        async () => {
          most = Math.max(most, ++running);
          await sleep(60);
          running--;
          done++;
        },
        { concurrency: 2 },
      );
      for (let i = 0; i < 6; i++) await queue.enqueue(job, i);
      await vi.waitFor(() => expect(done).toBe(6), WAIT);
      expect(most).toBe(2);
    });

    it('close() waits for running jobs to finish', async () => {
      const events: string[] = [];
      const hold = gate();
      const started = gate();
      queue.process(job, async () => {
        started.release();
        await hold.opened;
        events.push('job finished');
      });
      await queue.enqueue(job, 1);
      await started.opened;
      const closing = queue.close().then(() => events.push('closed'));
      await sleep(50);
      expect(events).toEqual([]);
      hold.release();
      await closing;
      expect(events).toEqual(['job finished', 'closed']);
    });
  });
}
