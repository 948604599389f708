import type { DeadJobHandler, Json, JobHandler, JobOptions, ProcessOptions, Queue } from '../ports.ts';
import { DEFAULT_ATTEMPTS, exponentialBackoff, type QueueErrorReport } from './backoff.ts';

export interface MemoryQueueOptions {
  /** Delay before retrying after `attempt` failed tries. */
  backoffMs?: (attempt: number) => number;
  onError?: (report: QueueErrorReport) => void;
  /** Tries of a job enqueued without `attempts`. */
  defaultAttempts?: number;
}

interface Job {
  id: string;
  name: string;
  key: string | undefined;
  payload: string;
  attemptsMade: number;
  maxAttempts: number;
  runAt: number;
}

interface Worker {
  handler: JobHandler;
  onDead: DeadJobHandler | undefined;
  concurrency: number;
  running: number;
}

/** In-process queue (stage 1): jobs live in memory and run in this process. */
export class MemoryQueue implements Queue {
  private readonly waiting = new Map<string, Job[]>();
  private readonly keys = new Set<string>();
  private readonly workers = new Map<string, Worker>();
  private readonly running = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly wakeups = new Map<string, number>();
  private readonly backoff: (attempt: number) => number;
  private closed = false;
  private seq = 0;

  constructor(private readonly opts: MemoryQueueOptions = {}) {
    this.backoff = opts.backoffMs ?? exponentialBackoff();
  }

  async enqueue(name: string, payload: Json, opts: JobOptions = {}): Promise<void> {
    if (this.closed) throw new Error('queue is closed');
    const key = opts.jobId === undefined ? undefined : `${name}\u0000${opts.jobId}`;
    if (key !== undefined) {
      if (this.keys.has(key)) return;
      this.keys.add(key);
    }
    const job: Job = {
      id: String(++this.seq),
      name,
      key,
      payload: JSON.stringify(payload),
      attemptsMade: 0,
      maxAttempts: Math.max(1, opts.attempts ?? this.opts.defaultAttempts ?? DEFAULT_ATTEMPTS),
      runAt: Date.now() + Math.max(0, opts.delayMs ?? 0),
    };
    this.push(job);
  }

  process(name: string, handler: JobHandler, opts: ProcessOptions = {}): void {
    if (this.closed) throw new Error('queue is closed');
    if (this.workers.has(name)) throw new Error(`a handler for "${name}" is already registered`);
    this.workers.set(name, {
      handler,
      onDead: opts.onDead,
      concurrency: Math.max(1, opts.concurrency ?? 1),
      running: 0,
    });
    this.pump(name);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** No try is left: the dead-job handler closes what the job was for (a crash here is stage 1's requeue's). */
  private async giveUp(worker: Worker, job: Job, attempts: number, error: unknown): Promise<void> {
    try {
      await worker.onDead?.(JSON.parse(job.payload) as Json, { id: job.id, attempts, error });
    } catch (failure) {
      this.opts.onError?.({ name: job.name, id: job.id, attempt: attempts, final: true, error: failure });
    }
  }

  private push(job: Job): void {
    let list = this.waiting.get(job.name);
    if (!list) this.waiting.set(job.name, (list = []));
    list.push(job);
    this.pump(job.name);
  }

  /** Wakes the pump when the earliest delayed job of `name` is due (timers may fire a little early). */
  private wakeAt(name: string, runAt: number): void {
    const current = this.wakeups.get(name);
    if (current !== undefined && current <= runAt) return;
    this.wakeups.set(name, runAt);
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (this.wakeups.get(name) === runAt) this.wakeups.delete(name);
        this.pump(name);
      },
      Math.max(1, runAt - Date.now() + 1),
    );
    this.timers.add(timer);
  }

  private pump(name: string): void {
    const worker = this.workers.get(name);
    const list = this.waiting.get(name);
    if (this.closed || !worker || !list) return;
    const now = Date.now();
    while (worker.running < worker.concurrency) {
      const index = list.findIndex((j) => j.runAt <= now);
      if (index < 0) break;
      const [job] = list.splice(index, 1);
      if (job) this.run(job, worker);
    }
    // Whatever is left and not yet due gets a wake-up; jobs that are due wait for a free slot.
    const later = list.filter((j) => j.runAt > now);
    if (later.length > 0) this.wakeAt(name, Math.min(...later.map((j) => j.runAt)));
  }

  private run(job: Job, worker: Worker): void {
    worker.running++;
    const attempt = job.attemptsMade + 1;
    const task = (async () => {
      try {
        await worker.handler(JSON.parse(job.payload) as Json, { id: job.id, attempt });
        if (job.key !== undefined) this.keys.delete(job.key);
      } catch (error) {
        const final = attempt >= job.maxAttempts;
        this.opts.onError?.({ name: job.name, id: job.id, attempt, final, error });
        if (final) {
          await this.giveUp(worker, job, attempt, error);
          if (job.key !== undefined) this.keys.delete(job.key);
        } else if (!this.closed) {
          this.push({ ...job, attemptsMade: attempt, runAt: Date.now() + this.backoff(attempt) });
        }
      } finally {
        worker.running--;
        this.pump(job.name);
      }
    })();
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
  }
}
