import { z } from 'zod';
import { Id } from '@graminsta/contracts';
import type { DeadJob, JobContext, Queue } from '@graminsta/platform';

/**
 * THE list of job types: each name with the schema of its payload. Adding a job type is one entry
 * here and its handler in the worker (registerJobHandlers refuses to compile without it).
 */
const JOB_PAYLOADS = {
  /** An uploaded photo to decode, check and turn into variants (photos/photo.processor.ts). */
  'photo.process': z.object({ photoId: Id }),
  /** The sweep of one time slot, which books the next (apps/server/src/worker/housekeeping.ts). */
  housekeeping: z.object({ slot: z.number().int().min(0) }),
  /** An account export to write into its zip (account-data/export.service.ts). */
  'account.export': z.object({ exportId: Id }),
  /** An account to remove with everything it owns, in resumable batches (account-data/deletion.service.ts). */
  'account.delete': z.object({ userId: Id }),
  /** A verification or reset mail to an account's address (accounts/credential.service.ts). */
  'mail.send': z.object({ userId: Id, purpose: z.enum(['verify', 'reset']) }),
  /** A ready post to add to its author's followers' home timelines (feed/timeline.feed.ts). */
  'timeline.fanout': z.object({ photoId: Id }),
  /** Home timelines whose drop failed (Redis down), dropped when it is back (feed/timeline.hooks.ts). */
  'timeline.drop': z.object({ userIds: z.array(Id).min(1).max(500) }),
  /** A ready post announced (`post.new`) to its author's online followers (events/post-announcer.ts). */
  'post.announce': z.object({ photoId: Id }),
};

export type Jobs = { [N in keyof typeof JOB_PAYLOADS]: z.infer<(typeof JOB_PAYLOADS)[N]> };
export type JobName = keyof Jobs;

/** The queue as core and the worker use it: only the jobs above, each with its own payload. */
export type JobQueue = Queue<Jobs>;

export type JobHandlers = { [N in JobName]: (payload: Jobs[N], job: JobContext) => Promise<void> };

// Indexed by a generic name, this form keeps each schema tied to its own payload type.
const schemas: { [N in JobName]: z.ZodType<Jobs[N]> } = JOB_PAYLOADS;

export const JOB_NAMES = Object.keys(JOB_PAYLOADS) as JobName[];

/** What closes a job type's work once its job is given up (tries spent, or its last worker lost). */
export type DeadJobHandlers = { [N in JobName]?: (payload: Jobs[N], dead: DeadJob) => Promise<void> };

export interface RegisterOptions {
  concurrency?: Partial<Record<JobName, number>>;
  onDead?: DeadJobHandlers;
}

/**
 * Registers the handler of every job type. A payload its schema refuses (a row written by hand,
 * or by an older release) fails the job with the schema's message and never reaches the handler
 * (nor its dead-job handler: nothing it names can be trusted).
 */
export function registerJobHandlers(
  queue: JobQueue,
  handlers: JobHandlers,
  opts: RegisterOptions = {},
): void {
  for (const name of JOB_NAMES)
    register(queue, name, handlers[name], opts.concurrency?.[name], opts.onDead?.[name]);
}

function register<N extends JobName>(
  queue: JobQueue,
  name: N,
  handler: JobHandlers[N],
  concurrency: number | undefined,
  onDead: DeadJobHandlers[N],
): void {
  const schema = schemas[name];
  queue.process(name, (payload, job) => handler(schema.parse(payload), job), {
    concurrency,
    onDead:
      onDead &&
      (async (payload, dead) => {
        const parsed = schema.safeParse(payload);
        if (parsed.success) await onDead(parsed.data, dead);
      }),
  });
}

export { abandonedReason, failAbandonedPost, type AbandonedPostDeps } from './photo-dead-letter.ts';
