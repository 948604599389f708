import type { Logger } from 'pino';
import type { Composition } from '../compose.ts';

export interface Worker {
  stop(): Promise<void>;
}

export const PHOTO_PROCESS_JOB = 'photo.process';
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/** The `worker` role: photo variants from the queue, and housekeeping. */
export async function startWorker(comp: Composition, logger: Logger): Promise<Worker> {
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

  const prune = setInterval(() => {
    Promise.all([
      services.events.prune(),
      services.accounts.pruneExpired(),
      services.idempotency.prune(),
    ]).catch((err: unknown) => logger.warn({ err }, 'housekeeping failed'));
  }, PRUNE_EVERY_MS);
  prune.unref();
  return {
    async stop() {
      clearInterval(prune);
    },
  };
}
