import type { Logger } from 'pino';
import type { Composition } from '../compose.ts';
import { startHousekeeping } from './housekeeping.ts';

export interface Worker {
  stop(): Promise<void>;
}

export const PHOTO_PROCESS_JOB = 'photo.process';

export interface WorkerOptions {
  /** How often housekeeping runs (15 minutes by default; tests make it short). */
  housekeepingEveryMs?: number;
}

/** The `worker` role: photo variants from the queue, and housekeeping. */
export async function startWorker(
  comp: Composition,
  logger: Logger,
  opts: WorkerOptions = {},
): Promise<Worker> {
  const { queue, services } = comp;
  queue.process(
    PHOTO_PROCESS_JOB,
    async (payload) => {
      const photoId = (payload as { photoId?: unknown } | null)?.photoId;
      if (typeof photoId !== 'string') throw new Error('photo.process job without photoId');
      await services.photos.processPhoto(photoId);
    },
    { concurrency: 2 },
  );
  // An in-process queue forgets its jobs when the process dies; the photo rows do not.
  const requeued = await services.photos.requeueStuck();
  if (requeued > 0) logger.info({ requeued }, 'requeued photos left in processing');

  await startHousekeeping(queue, services, logger, opts.housekeepingEveryMs);
  return {
    async stop() {
      // Jobs stop with the queue (comp.close); a booked housekeeping run waits in it.
    },
  };
}
