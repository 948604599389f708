import { Queue as BullQueue, UnrecoverableError, Worker as BullWorker, type Job } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import type { DeadJobHandler, Json, JobHandler, JobOptions, ProcessOptions, Queue } from '../ports.ts';
import { credentialsOf, toClusterNode, type RedisSettings } from '../cache/redis-client.ts';
import {
  DEAD_HANDLER_TRIES,
  DEFAULT_ATTEMPTS,
  JobLostError,
  exponentialBackoff,
  type QueueErrorReport,
} from './backoff.ts';
import type { DeadLetter, DeadLetters, QueueDepth, QueueInspector } from './inspect.ts';

export interface BullMqQueueOptions {
  redis: RedisSettings;
  /**
   * Prefix of every key (default `graminsta`). On a Redis Cluster all keys of a queue must share a
   * slot, so the prefix must be a hash tag (`{graminsta}`, the default there).
   */
  prefix?: string;
  /** How long a running job stays locked to its worker; a dead worker's job runs again after it. */
  leaseMs?: number;
  /** How often workers look for jobs whose lock lapsed (default: leaseMs / 2). */
  stalledIntervalMs?: number;
  backoffMs?: (attempt: number) => number;
  /** Tries of a job enqueued without `attempts`. */
  defaultAttempts?: number;
  /** How many given-up jobs each job name keeps for the operator, and for how long. */
  deadRetention?: { count: number; ageSeconds: number };
  onError?: (report: QueueErrorReport | { error: unknown }) => void;
  /** How long close() waits for running jobs before it stops waiting (default 30 s). */
  closeTimeoutMs?: number;
  /** Seconds a job waited between being due and its first try (the wait-time histogram). */
  onWait?: (name: string, seconds: number) => void;
}

interface Registered {
  handler: JobHandler;
  onDead: DeadJobHandler | undefined;
  worker: BullWorker;
}

const DEFAULT_PREFIX = 'graminsta';
const BACKOFF_TYPE = 'graminsta';
// The dead-letter list: bounded, so a job that fails forever cannot fill Redis.
const DEAD_RETENTION = { count: 1000, ageSeconds: 14 * 24 * 3600 };
const MAX_REASON = 500;
const CLOSE_TIMEOUT_MS = 30_000;
// A stall (the worker's lock lapsed) re-runs the job; our own count of started tries (attemptsStarted)
// decides when it is given up, so BullMQ's stalled limit only stops a job the reaping never could.
const MAX_STALLED = 1000;

/**
 * Job ids of the port are free text; BullMQ refuses ids that look like integers (its own ids) or hold
 * `:`. Encoded so that every port id maps to a distinct, accepted BullMQ id.
 */
export const bullJobId = (jobId: string): string => `k-${encodeURIComponent(jobId)}`;

/**
 * The job queue of stage 6, on BullMQ (Redis): one BullMQ queue per job name. A running job holds a
 * lock it renews; a worker that dies lets it lapse and another worker's stalled check puts the job
 * back. Failures retry with the same back-off as the other adapters; a job out of tries goes to its
 * dead-job handler and then stays in BullMQ's failed set (bounded), which is the dead-letter list.
 */
export class BullMqQueue implements Queue, QueueInspector, DeadLetters {
  private readonly producer: Redis | Cluster;
  private consumer: Redis | Cluster | null = null;
  private readonly queues = new Map<string, BullQueue>();
  private readonly registered = new Map<string, Registered>();
  private readonly backoff: (attempt: number) => number;
  private readonly prefix: string;
  private readonly leaseMs: number;
  private closed = false;

  constructor(private readonly opts: BullMqQueueOptions) {
    const cluster = (opts.redis.clusterNodes ?? []).length > 0;
    this.prefix = opts.prefix ?? (cluster ? `{${DEFAULT_PREFIX}}` : DEFAULT_PREFIX);
    if (cluster && !/^[^{}]*\{[^{}]+\}/.test(this.prefix))
      throw new Error(
        `QUEUE=bullmq on a Redis Cluster needs a hash-tagged prefix such as "{graminsta}", not "${this.prefix}"`,
      );
    this.backoff = opts.backoffMs ?? exponentialBackoff();
    this.leaseMs = opts.leaseMs ?? 60_000;
    // Enqueuing fails fast while Redis is down (one try, no offline queue): the sweeps re-queue later.
    this.producer = connect(opts, 'graminsta-queue', { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  }

  async enqueue(name: string, payload: Json, opts: JobOptions = {}): Promise<void> {
    if (this.closed) throw new Error('queue is closed');
    const queue = this.queueOf(name);
    const jobId = opts.jobId === undefined ? undefined : bullJobId(opts.jobId);
    if (jobId !== undefined) {
      // A given-up job keeps its id in the dead list: enqueuing it anew revives it (as PostgresQueue does).
      const old = await queue.getJob(jobId);
      if (old && (await old.isFailed())) await old.remove();
    }
    const retention = this.opts.deadRetention ?? DEAD_RETENTION;
    await queue.add(name, payload, {
      jobId,
      attempts: Math.max(1, opts.attempts ?? this.opts.defaultAttempts ?? DEFAULT_ATTEMPTS),
      delay: Math.max(0, opts.delayMs ?? 0),
      backoff: { type: BACKOFF_TYPE },
      // Done jobs go at once, so their jobId may be enqueued again; dead ones stay, bounded.
      removeOnComplete: true,
      removeOnFail: { count: retention.count, age: retention.ageSeconds },
    });
  }

  process(name: string, handler: JobHandler, opts: ProcessOptions = {}): void {
    if (this.closed) throw new Error('queue is closed');
    if (this.registered.has(name)) throw new Error(`a handler for "${name}" is already registered`);
    this.consumer ??= connect(this.opts, 'graminsta-worker', { maxRetriesPerRequest: null });
    const worker = new BullWorker(name, (job: Job) => this.run(name, job), {
      connection: this.consumer,
      prefix: this.prefix,
      concurrency: Math.max(1, opts.concurrency ?? 1),
      lockDuration: this.leaseMs,
      stalledInterval: this.opts.stalledIntervalMs ?? Math.max(250, Math.floor(this.leaseMs / 2)),
      maxStalledCount: MAX_STALLED,
      // Short blocking waits, so close() is not held up by an idle worker's BZPOPMIN.
      drainDelay: 1,
      // Counted in started tries, as `attempt` is (a stalled try is not in BullMQ's attemptsMade).
      settings: {
        backoffStrategy: (made, _type, _err, job) =>
          this.backoff(Math.max(made, (job as Job | undefined)?.attemptsStarted ?? 0)),
      },
    });
    worker.on('error', (error) => this.opts.onError?.({ error }));
    this.registered.set(name, { handler, onDead: opts.onDead, worker });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Each worker stops taking jobs and waits for the ones it runs; bounded, so SIGTERM ends.
    await Promise.all(
      [...this.registered.values()].map(({ worker }) =>
        bounded(worker.close(), this.opts.closeTimeoutMs ?? CLOSE_TIMEOUT_MS, () =>
          bounded(worker.close(true), 1000, async () => {}),
        ).catch((error: unknown) => this.opts.onError?.({ error })),
      ),
    );
    await Promise.all(
      [...this.queues.values()].map((q) =>
        q.close().catch((error: unknown) => this.opts.onError?.({ error })),
      ),
    );
    for (const connection of [this.producer, this.consumer]) {
      if (!connection) continue;
      await bounded(connection.quit(), 1000, async () => {}).catch(() => {});
      connection.disconnect();
    }
  }

  /** Jobs per name and state: waiting (due), delayed (retries and delays), active, failed (dead). */
  async depth(names: readonly string[]): Promise<QueueDepth[]> {
    const rows: QueueDepth[] = [];
    for (const name of names) {
      const counts = await this.queueOf(name).getJobCounts('waiting', 'delayed', 'active', 'failed');
      for (const state of ['waiting', 'delayed', 'active', 'failed'] as const)
        rows.push({ job: name, state, count: counts[state] ?? 0 });
    }
    return rows;
  }

  async listDead(names: readonly string[], limit = 100): Promise<DeadLetter[]> {
    const dead: DeadLetter[] = [];
    for (const name of names) {
      const jobs = await this.queueOf(name).getFailed(0, Math.max(0, limit - 1));
      for (const job of jobs) {
        if (!job?.id) continue;
        dead.push({
          job: name,
          id: job.id,
          attempts: job.attemptsStarted,
          errorClass: errorClassOf(job.failedReason),
          failedAt: new Date(job.finishedOn ?? job.timestamp),
        });
      }
    }
    return dead.sort((a, b) => b.failedAt.getTime() - a.failedAt.getTime()).slice(0, limit);
  }

  async retryDead(name: string, id: string): Promise<boolean> {
    const job = await this.queueOf(name).getJob(id);
    if (!job || !(await job.isFailed())) return false;
    // All of its tries again, as a job enqueued anew.
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return true;
  }

  async dropDead(name: string, id: string): Promise<boolean> {
    const job = await this.queueOf(name).getJob(id);
    if (!job || !(await job.isFailed())) return false;
    await job.remove();
    return true;
  }

  private queueOf(name: string): BullQueue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new BullQueue(name, { connection: this.producer, prefix: this.prefix });
      queue.on('error', (error) => this.opts.onError?.({ error }));
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** One try of a job, under its lock. Throwing makes BullMQ retry it, or (Unrecoverable) fail it. */
  private async run(name: string, job: Job): Promise<void> {
    const entry = this.registered.get(name);
    if (!entry) throw new Error(`no handler for "${name}"`);
    // Started tries, this one included: a try whose worker died counts, as a claim does in PostgresQueue.
    const attempt = job.attemptsStarted;
    const max = Math.max(1, job.opts.attempts ?? 1);
    const id = job.id ?? '';
    if (attempt === 1 && this.opts.onWait) {
      const due = job.timestamp + (job.opts.delay ?? 0);
      this.opts.onWait(name, Math.max(0, ((job.processedOn ?? Date.now()) - due) / 1000));
    }
    if (attempt > max) {
      // The worker of its last try died: no try is left, only the dead-job handler (a bounded number of times).
      const lost = new JobLostError(max);
      if (attempt <= max + DEAD_HANDLER_TRIES) await this.giveUp(name, entry, job, lost, max);
      throw new UnrecoverableError(reasonOf(lost));
    }
    try {
      await entry.handler(job.data as Json, { id, attempt });
    } catch (error) {
      const final = attempt >= max;
      this.opts.onError?.({ name, id, attempt, final, error });
      if (!final) throw error instanceof Error ? error : new Error(String(error));
      await this.giveUp(name, entry, job, error, attempt);
      // Into the failed set whatever BullMQ counted (a stalled try is not in its attemptsMade).
      throw new UnrecoverableError(reasonOf(error));
    }
  }

  /** The dead-job handler, still under the job's lock: if this process dies in it, the job comes back to be reaped. */
  private async giveUp(name: string, entry: Registered, job: Job, error: unknown, attempts: number) {
    if (!entry.onDead) return;
    try {
      await entry.onDead(job.data as Json, { id: job.id ?? '', attempts, error });
    } catch (failure) {
      this.opts.onError?.({ name, id: job.id ?? '', attempt: attempts, final: true, error: failure });
    }
  }
}

type ConnectionOverrides = { maxRetriesPerRequest: number | null; enableOfflineQueue?: boolean };

/**
 * A connection for BullMQ, with the same target, credentials and reconnect pacing as openRedis'
 * (redis-client.ts), but none of its fail-fast command timeout: BullMQ blocks on BZPOPMIN for seconds.
 */
function connect(opts: BullMqQueueOptions, name: string, overrides: ConnectionOverrides): Redis | Cluster {
  const { redis } = opts;
  const common = { connectionName: redis.name ?? name, connectTimeout: 2000, ...overrides };
  const retry = (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000);
  const nodes = redis.clusterNodes ?? [];
  let connection: Redis | Cluster;
  if (nodes.length > 0) {
    connection = new Cluster(nodes.map(toClusterNode), {
      clusterRetryStrategy: retry,
      enableOfflineQueue: overrides.enableOfflineQueue ?? true,
      redisOptions: { ...common, ...(redis.url ? credentialsOf(redis.url) : {}) },
    });
  } else if (redis.url) {
    connection = new Redis(redis.url, { ...common, retryStrategy: retry });
  } else {
    throw new Error('QUEUE=bullmq needs REDIS_URL or REDIS_CLUSTER_NODES');
  }
  // Errors reach onError (host and port only, never the URL); the connection keeps retrying.
  connection.on('error', (error: Error) => opts.onError?.({ error }));
  return connection;
}

/** What the failed set keeps of the last error: its class first (the operator's view shows only that). */
function reasonOf(error: unknown): string {
  const cls = error instanceof Error ? error.name || 'Error' : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  return `${cls}: ${message}`.slice(0, MAX_REASON);
}

export function errorClassOf(reason: string | undefined): string {
  const match = /^([A-Za-z_$][\w$]*):/.exec(reason ?? '');
  return match?.[1] ?? 'Error';
}

async function bounded<T>(work: Promise<T>, ms: number, onTimeout: () => Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  try {
    if ((await Promise.race([work, late])) === 'late') await onTimeout();
  } finally {
    clearTimeout(timer);
  }
}
