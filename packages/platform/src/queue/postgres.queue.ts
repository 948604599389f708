import type { Db } from '../db.ts';
import type {
  DeadJobHandler,
  Json,
  JobHandler,
  JobOptions,
  ProcessOptions,
  PubSub,
  Queue,
} from '../ports.ts';
import {
  DEAD_HANDLER_TRIES,
  DEFAULT_ATTEMPTS,
  JobLostError,
  exponentialBackoff,
  type QueueErrorReport,
} from './backoff.ts';
import { JobRepository, type ClaimedJob } from './job.repository.ts';
import type { DeadLetter, DeadLetters, QueueDepth, QueueInspector } from './inspect.ts';

export interface PostgresQueueOptions {
  db: Db;
  /** How often an idle worker looks for due jobs. */
  pollMs?: number;
  /** How long a claimed job stays invisible to other workers; a crashed worker's jobs return after it. */
  leaseMs?: number;
  /** How often a running job's lease is renewed (default leaseMs / 3; 0 turns renewal off). */
  heartbeatMs?: number;
  backoffMs?: (attempt: number) => number;
  /** Tries of a job enqueued without `attempts`. */
  defaultAttempts?: number;
  /** When given, enqueue() wakes idle workers in every process at once instead of at their next poll. */
  wakeup?: PubSub;
  onError?: (report: QueueErrorReport | { error: unknown }) => void;
  /** Seconds a job waited between being due and its first try (the wait-time histogram). */
  onWait?: (name: string, seconds: number) => void;
}

interface Worker {
  name: string;
  handler: JobHandler;
  onDead: DeadJobHandler | undefined;
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
export class PostgresQueue implements Queue, QueueInspector, DeadLetters {
  private readonly jobs: JobRepository;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly backoff: (attempt: number) => number;
  private readonly workers = new Map<string, Worker>();
  private readonly running = new Set<Promise<void>>();
  private readonly unsubscribes: Array<Promise<(() => Promise<void>) | void>> = [];
  private closed = false;

  constructor(private readonly opts: PostgresQueueOptions) {
    this.jobs = new JobRepository(opts.db);
    this.pollMs = opts.pollMs ?? 250;
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.heartbeatMs = opts.heartbeatMs ?? Math.floor(this.leaseMs / 3);
    this.backoff = opts.backoffMs ?? exponentialBackoff();
  }

  async enqueue(name: string, payload: Json, opts: JobOptions = {}): Promise<void> {
    if (this.closed) throw new Error('queue is closed');
    const maxAttempts = Math.max(1, opts.attempts ?? this.opts.defaultAttempts ?? DEFAULT_ATTEMPTS);
    const delayMs = Math.max(0, opts.delayMs ?? 0);
    await this.jobs.insert(name, opts.jobId ?? null, payload, maxAttempts, delayMs);
    if (delayMs > 0) return;
    this.workers.get(name)?.wake();
    if (this.opts.wakeup) await this.opts.wakeup.publish(WAKE_CHANNEL, name).catch(() => {});
  }

  process(name: string, handler: JobHandler, opts: ProcessOptions = {}): void {
    if (this.closed) throw new Error('queue is closed');
    if (this.workers.has(name)) throw new Error(`a handler for "${name}" is already registered`);
    const concurrency = Math.max(1, opts.concurrency ?? 1);
    const worker: Worker = {
      name,
      handler,
      onDead: opts.onDead,
      concurrency,
      running: 0,
      woken: false,
      wake: () => {},
      loop: Promise.resolve(),
    };
    let interrupt = () => {};
    worker.wake = () => {
      worker.woken = true;
      interrupt();
    };
    this.workers.set(name, worker);
    worker.loop = this.poll(worker, (cb) => (interrupt = cb));
    if (this.opts.wakeup && this.workers.size === 1) {
      const sub = this.opts.wakeup.subscribe(
        WAKE_CHANNEL,
        (m) => typeof m === 'string' && this.workers.get(m)?.wake(),
      );
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

  async depth(names: readonly string[]): Promise<QueueDepth[]> {
    const rows = await this.jobs.depth(names);
    const counts = new Map(rows.map((r) => [`${r.job}\u0000${r.state}`, r.count]));
    return names.flatMap((job) =>
      (['waiting', 'delayed', 'active', 'failed'] as const).map((state) => ({
        job,
        state,
        count: counts.get(`${job}\u0000${state}`) ?? 0,
      })),
    );
  }

  async listDead(names: readonly string[], limit = 100): Promise<DeadLetter[]> {
    const rows = await this.jobs.dead(names, limit);
    return rows.map((r) => ({
      job: r.job,
      id: r.id,
      attempts: r.attempts,
      errorClass: errorClassOfText(r.last_error),
      failedAt: r.failed_at,
    }));
  }

  async retryDead(name: string, id: string): Promise<boolean> {
    const revived = await this.jobs.revive(name, id);
    if (revived) this.workers.get(name)?.wake();
    return revived;
  }

  dropDead(name: string, id: string): Promise<boolean> {
    return this.jobs.drop(name, id);
  }

  private async poll(worker: Worker, onInterrupt: (cb: () => void) => void): Promise<void> {
    while (!this.closed) {
      worker.woken = false;
      let claimed = 0;
      const free = worker.concurrency - worker.running;
      if (free > 0) {
        try {
          const jobs = await this.jobs.claim(worker.name, free, this.leaseMs, DEAD_HANDLER_TRIES);
          claimed = jobs.length;
          for (const job of jobs) if (job.attempts === 1) this.opts.onWait?.(worker.name, Number(job.waited));
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

  private run(worker: Worker, job: ClaimedJob): void {
    worker.running++;
    let renewing = Promise.resolve();
    const renew = () =>
      (renewing = renewing.then(() => this.record(this.jobs.renewLease(job, this.leaseMs))));
    const heartbeat = this.heartbeatMs > 0 ? setInterval(renew, this.heartbeatMs) : undefined;
    const task = (async () => {
      try {
        if (job.attempts > job.max_attempts) {
          // Its last try's worker died: no try is left, only the dead-job handler.
          await this.giveUp(worker, job, new JobLostError(job.max_attempts));
          return;
        }
        await worker.handler(job.payload, { id: job.id, attempt: job.attempts });
        await this.record(this.jobs.complete(job));
      } catch (error) {
        const final = job.attempts >= job.max_attempts;
        this.opts.onError?.({ name: worker.name, id: job.id, attempt: job.attempts, final, error });
        if (final) {
          await this.record(this.jobs.recordError(job, errorText(error)));
          await this.giveUp(worker, job, error);
        } else {
          await this.record(this.jobs.fail(job, errorText(error), this.backoff(job.attempts)));
        }
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

  /**
   * Runs the dead-job handler under the job's lease, then buries the job. If the handler fails
   * (or this process dies), the lease lapses and a claim reaps the job again, a bounded number of times.
   */
  private async giveUp(worker: Worker, job: ClaimedJob, error: unknown): Promise<void> {
    if (worker.onDead) {
      const dead = { id: job.id, attempts: Math.min(job.attempts, job.max_attempts), error };
      try {
        await worker.onDead(job.payload, dead);
      } catch (failure) {
        this.opts.onError?.({ error: failure });
        return;
      }
    }
    await this.record(this.jobs.bury(job));
  }

  /** A failed write after a claim loses nothing: the lease expires and the job runs again. */
  private async record(write: Promise<void>): Promise<void> {
    try {
      await write;
    } catch (error) {
      this.opts.onError?.({ error });
    }
  }
}

/** The class of a kept error text (its stack's first line starts `SyntaxError: …`). */
function errorClassOfText(text: string | null): string {
  return /^([A-Za-z_$][\w$]*):/.exec(text ?? '')?.[1] ?? 'Error';
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return text.slice(0, 4000);
}
