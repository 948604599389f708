import type { Logger } from 'pino';
import { registerJobHandlers } from '@graminsta/core';
import type { Composition } from '../compose.ts';
import { HOUSEKEEPING_EVERY_MS, housekeeping, scheduleHousekeeping } from './housekeeping.ts';

export interface Worker {
  stop(): Promise<void>;
}

export interface WorkerOptions {
  /** How often housekeeping runs (15 minutes by default; tests make it short). */
  housekeepingEveryMs?: number;
}

/** The `worker` role: a handler for every job type in core's table (jobs/jobs.ts). */
export async function startWorker(
  comp: Composition,
  logger: Logger,
  opts: WorkerOptions = {},
): Promise<Worker> {
  const { queue, services } = comp;
  const everyMs = opts.housekeepingEveryMs ?? HOUSEKEEPING_EVERY_MS;
  registerJobHandlers(
    queue,
    {
      'photo.process': ({ photoId }) => services.photos.processPhoto(photoId),
      housekeeping: housekeeping(queue, services, logger, everyMs),
    },
    { 'photo.process': 2 },
  );
  // An in-process queue forgets its jobs when the process dies; the photo rows do not.
  const requeued = await services.photos.requeueStuck();
  if (requeued > 0) logger.info({ requeued }, 'requeued photos left in processing');

  await scheduleHousekeeping(queue, everyMs);
  return {
    async stop() {
      // Jobs stop with the queue (comp.close); a booked housekeeping run waits in it.
    },
  };
}
