import type { Logger } from 'pino';
import { failAbandonedPost, registerJobHandlers, type JobHandlers, type JobName } from '@graminsta/core';
import { runWithQueryOrigin, type JobContext } from '@graminsta/platform';
import type { Composition } from '../compose.ts';
import { HOUSEKEEPING_EVERY_MS, housekeeping, scheduleHousekeeping } from './housekeeping.ts';

export interface Worker {
  stop(): Promise<void>;
}

export interface WorkerOptions {
  /** How often housekeeping runs (15 minutes by default; tests make it short). */
  housekeepingEveryMs?: number;
  /** After each try of a job: its name, how long it ran and whether it succeeded (the metrics). */
  onRun?: (job: JobName, seconds: number, ok: boolean) => void;
}

/**
 * One line per try, with the job and its outcome: how an operator (and the worker-tier tests) see
 * which process ran what, and that no job ran twice.
 */
function logged<P>(
  logger: Logger,
  name: JobName,
  handler: (payload: P, job: JobContext) => Promise<void>,
  onRun?: WorkerOptions['onRun'],
): (payload: P, job: JobContext) => Promise<void> {
  // The job's queries name it as their issuer (a slow one is logged with it).
  return (payload, job) =>
    runWithQueryOrigin({ job: name }, async () => {
      const started = performance.now();
      const fields = { job: name, jobId: job.id, attempt: job.attempt, payload };
      try {
        await handler(payload, job);
        onRun?.(name, (performance.now() - started) / 1000, true);
        logger.info({ ...fields, ms: Math.round(performance.now() - started) }, 'job done');
      } catch (err) {
        onRun?.(name, (performance.now() - started) / 1000, false);
        logger.warn({ ...fields, err }, 'job failed');
        throw err;
      }
    });
}

/** The `worker` role: a handler for every job type in core's table (jobs/jobs.ts). */
export async function startWorker(
  comp: Composition,
  logger: Logger,
  opts: WorkerOptions = {},
): Promise<Worker> {
  const { queue, services, config } = comp;
  const everyMs = opts.housekeepingEveryMs ?? HOUSEKEEPING_EVERY_MS;
  const handlers: JobHandlers = {
    'photo.process': ({ photoId }) => services.photos.processPhoto(photoId),
    housekeeping: housekeeping(queue, services, logger, everyMs),
    'account.export': ({ exportId }) => services.accountData.buildExport(exportId),
    'account.delete': ({ userId }) => services.accountData.runDeletion(userId),
    'mail.send': (payload) => services.credentials.deliver(payload),
    'timeline.fanout': ({ photoId }) => services.feed.fanOut(photoId),
    'timeline.drop': ({ userIds }) => services.feed.dropTimelines(userIds),
    'post.announce': async ({ photoId }) => {
      const { followers, sent } = await services.events.announcePost(photoId);
      logger.info({ photoId, followers, sent }, 'post announced to online followers');
    },
  };
  const failPost = failAbandonedPost({
    db: comp.database.db,
    blobs: comp.blobs,
    events: services.events,
    cache: comp.cache,
  });
  registerJobHandlers(
    queue,
    {
      'photo.process': logged(logger, 'photo.process', handlers['photo.process'], opts.onRun),
      housekeeping: logged(logger, 'housekeeping', handlers.housekeeping, opts.onRun),
      'account.export': logged(logger, 'account.export', handlers['account.export'], opts.onRun),
      'account.delete': logged(logger, 'account.delete', handlers['account.delete'], opts.onRun),
      'mail.send': logged(logger, 'mail.send', handlers['mail.send'], opts.onRun),
      'timeline.fanout': logged(logger, 'timeline.fanout', handlers['timeline.fanout'], opts.onRun),
      'timeline.drop': logged(logger, 'timeline.drop', handlers['timeline.drop'], opts.onRun),
      'post.announce': logged(logger, 'post.announce', handlers['post.announce'], opts.onRun),
    },
    {
      concurrency: { 'photo.process': config.WORKER_CONCURRENCY },
      onDead: {
        // Tries spent, or the worker of the last one killed: the post fails, its originals go.
        'photo.process': async (payload, dead) => {
          logger.error(
            { job: 'photo.process', payload, attempts: dead.attempts, err: dead.error },
            'job given up',
          );
          await failPost(payload, dead);
        },
        'account.export': async ({ exportId }, dead) => {
          logger.error(
            { job: 'account.export', exportId, attempts: dead.attempts, err: dead.error },
            'job given up',
          );
          await services.accountData.failExport(exportId);
        },
        // A deletion is never abandoned: housekeeping books it again while the account's rows remain.
        'account.delete': async ({ userId }, dead) => {
          logger.error(
            { job: 'account.delete', userId, attempts: dead.attempts, err: dead.error },
            'job given up',
          );
          await services.accountData.resumeDeletions();
        },
      },
    },
  );
  // An in-process queue forgets its jobs when the process dies; the photo rows do not.
  const requeued = await services.photos.requeueStuck();
  if (requeued > 0) logger.info({ requeued }, 'requeued photos left in processing');
  await scheduleHousekeeping(queue, everyMs);
  // BullMQ keeps its jobs in Redis, which `up` runs without persistence, and an enqueue after a
  // commit fails while Redis is down: so each housekeeping period the worker books again what the
  // database says is owed (photos still processing, the housekeeping chain). jobId dedupe makes it
  // a no-op for jobs still pending.
  const resweep =
    config.QUEUE === 'bullmq'
      ? setInterval(() => {
          void (async () => {
            const again = await services.photos.requeueStuck();
            await scheduleHousekeeping(queue, everyMs);
            if (again > 0) logger.debug({ requeued: again }, 'photos still processing booked again');
          })().catch((err: unknown) => logger.warn({ err }, 'requeue sweep failed'));
        }, everyMs)
      : undefined;
  resweep?.unref();
  return {
    async stop() {
      clearInterval(resweep);
      // Jobs stop with the queue (comp.close); a booked housekeeping run waits in it.
    },
  };
}
