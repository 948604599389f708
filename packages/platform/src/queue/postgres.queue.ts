import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db.ts';
import type { Json, JobHandler, JobOptions, PubSub, Queue } from '../ports.ts';
import { DEFAULT_ATTEMPTS, exponentialBackoff, type QueueErrorReport } from './backoff.ts';

export interface PostgresQueueOptions {
  db: Db;
  /** How often an idle worker looks for due jobs. */
  pollMs?: number;
  /** How long a claimed job stays invisible to other workers; a crashed worker's jobs return after it. */
  leaseMs?: number;
  /** How often a running job's lease is renewed (default leaseMs / 3; 0 turns renewal off). */
  heartbeatMs?: number;
  backoffMs?: (attempt: number) => number;
  /** When given, enqueue() wakes idle workers in every process at once instead of at their next poll. */
  wakeup?: PubSub;
  onError?: (report: QueueErrorReport | { error: unknown }) => void;
}

interface ClaimedJob {
  id: string;
  payload: Json;
  attempts: number;
  max_attempts: number;
}

interface Worker {
  name: string;
  handler: JobHandler;
  concurrency: number;
  running: number;
  /** Set by wake(): the next sleep is skipped, so a wake-up between polls is not lost. */
  woken: boolean;
  wake: () => void;
  loop: Promise<void>;
}

const WAKE_CHANNEL = 'queue.wake';

/**
 * The job queue of stages 2–5, on the `jobs` table. A job is claimed under a lease
 * (`FOR UPDATE SKIP LOCKED`), deleted when its handler succeeds, rescheduled with backoff
 * when it fails, and kept as dead (with last_error, never due again) once its attempts are spent.
 */
export class PostgresQueue implements Queue {
  private readonly db: Db;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly backoff: (attempt: number) => number;
  private readonly workers = new Map<string, Worker>();
  private readonly running = new Set<Promise<void>>();
  private readonly unsubscribes: Array<Promise<(() => Promise<void>) | void>> = [];
  private closed = false;

  constructor(private readonly opts: PostgresQueueOptions) {
    this.db = opts.db;
    this.pollMs = opts.pollMs ?? 250;
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.heartbeatMs = opts.heartbeatMs ?? Math.floor(this.leaseMs / 3);
    this.backoff = opts.backoffMs ?? exponentialBackoff();
  }

  async enqueue(name: string, payload: Json, opts: JobOptions = {}): Promise<void> {
    if (this.closed) throw new Error('queue is closed');
    const maxAttempts = Math.max(1, opts.attempts ?? DEFAULT_ATTEMPTS);
    const delaySeconds = Math.max(0, opts.delayMs ?? 0) / 1000;
    // A jobId dedupes against a live job; a dead job with the same id is revived instead.
    await this.db.execute(sql`
      insert into jobs (name, job_key, payload, max_attempts, run_at)
      values (${name}, ${opts.jobId ?? null}, ${JSON.stringify(payload)}::jsonb, ${maxAttempts},
              now() + make_interval(secs => ${delaySeconds}::double precision))
      on conflict (name, job_key) do update set
        payload = excluded.payload, attempts = 0, max_attempts = excluded.max_attempts,
        run_at = excluded.run_at, locked_until = null, last_error = null
      where jobs.attempts >= jobs.max_attempts and (jobs.locked_until is null or jobs.locked_until < now())`);
    if (delaySeconds > 0) return;
    this.workers.get(name)?.wake();
    if (this.opts.wakeup) await this.opts.wakeup.publish(WAKE_CHANNEL, name).catch(() => {});
  }

  process(name: string, handler: JobHandler, opts: { concurrency?: number } = {}): void {
    if (this.closed) throw new Error('queue is closed');
    if (this.workers.has(name)) throw new Error(`a handler for "${name}" is already registered`);
    const concurrency = Math.max(1, opts.concurrency ?? 1);
    const worker: Worker = { name, handler, concurrency, running: 0, woken: false, wake: () => {}, loop: Promise.resolve() };
    let interrupt = () => {};
    worker.wake = () => {
      worker.woken = true;
      interrupt();
    };
    this.workers.set(name, worker);
    worker.loop = this.poll(worker, (cb) => (interrupt = cb));
    if (this.opts.wakeup && this.workers.size === 1) {
      const sub = this.opts.wakeup.subscribe(WAKE_CHANNEL, (m) => typeof m === 'string' && this.workers.get(m)?.wake());
      this.unsubscribes.push(sub.catch((error: unknown) => this.opts.onError?.({ error })));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const worker of this.workers.values()) worker.wake();
    await Promise.all([...this.workers.values()].map((w) => w.loop));
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    for (const unsubscribe of await Promise.all(this.unsubscribes)) await unsubscribe?.();
  }

  private async poll(worker: Worker, onInterrupt: (cb: () => void) => void): Promise<void> {
    while (!this.closed) {
      worker.woken = false;
      let claimed = 0;
      const free = worker.concurrency - worker.running;
      if (free > 0) {
        try {
          const jobs = await this.claim(worker.name, free);
          claimed = jobs.length;
          for (const job of jobs) this.run(worker, job);
        } catch (error) {
          this.opts.onError?.({ error });
        }
      }
      // A full batch suggests more are waiting: look again at once.
      if (this.closed || worker.woken || (free > 0 && claimed === free)) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.pollMs);
        onInterrupt(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      onInterrupt(() => {});
    }
  }

  private async claim(name: string, limit: number): Promise<ClaimedJob[]> {
    return this.rows<ClaimedJob>(sql`
      update jobs j set attempts = j.attempts + 1,
        locked_until = now() + make_interval(secs => ${this.leaseMs / 1000}::double precision)
      from (
        select id from jobs
        where name = ${name} and run_at <= now() and attempts < max_attempts
          and (locked_until is null or locked_until < now())
        order by run_at, id
        limit ${limit}
        for update skip locked
      ) due
      where j.id = due.id
      returning j.id::text as id, j.payload, j.attempts, j.max_attempts`);
  }

  private run(worker: Worker, job: ClaimedJob): void {
    worker.running++;
    let renewing = Promise.resolve();
    const renew = () => (renewing = renewing.then(() => this.renew(job)));
    const heartbeat = this.heartbeatMs > 0 ? setInterval(renew, this.heartbeatMs) : undefined;
    const task = (async () => {
      try {
        await worker.handler(job.payload, { id: job.id, attempt: job.attempts });
        await this.settle(job, sql`delete from jobs where id = ${job.id}::bigint and attempts = ${job.attempts}`);
      } catch (error) {
        const final = job.attempts >= job.max_attempts;
        this.opts.onError?.({ name: worker.name, id: job.id, attempt: job.attempts, final, error });
        const retryIn = final ? 0 : this.backoff(job.attempts) / 1000;
        await this.settle(job, sql`
          update jobs set locked_until = null, last_error = ${errorText(error)},
            run_at = now() + make_interval(secs => ${retryIn}::double precision)
          where id = ${job.id}::bigint and attempts = ${job.attempts}`);
      } finally {
        clearInterval(heartbeat);
        await renewing;
        worker.running--;
        worker.wake();
      }
    })();
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
  }

  /** Records a job's outcome; `attempts` in the where clause ignores a worker whose lease was taken over. */
  private async settle(job: ClaimedJob, statement: SQL): Promise<void> {
    try {
      await this.db.execute(statement);
    } catch (error) {
      // The lease will expire and the job run again: at least once, never lost.
      this.opts.onError?.({ error });
    }
  }

  private async renew(job: ClaimedJob): Promise<void> {
    await this.settle(job, sql`
      update jobs set locked_until = now() + make_interval(secs => ${this.leaseMs / 1000}::double precision)
      where id = ${job.id}::bigint and attempts = ${job.attempts} and locked_until is not null`);
  }

  private async rows<T>(query: SQL): Promise<T[]> {
    const result = (await this.db.execute(query)) as unknown as { rows: T[] };
    return result.rows;
  }
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return text.slice(0, 4000);
}
