import type { Logger } from 'pino';
import type { JobHandlers, JobQueue, Services } from '@graminsta/core';

export const HOUSEKEEPING_EVERY_MS = 15 * 60 * 1000;

/**
 * Books the housekeeping run of the next time slot (after `afterSlot`). jobId = slot: every
 * worker that starts, and the run before it, books the same slot, so it runs once.
 */
export async function scheduleHousekeeping(
  queue: Pick<JobQueue, 'enqueue'>,
  everyMs: number,
  afterSlot = -1,
  now = Date.now(),
): Promise<void> {
  const slot = Math.max(Math.floor(now / everyMs) + 1, afterSlot + 1);
  await queue.enqueue(
    'housekeeping',
    { slot },
    { jobId: `slot-${slot}`, delayMs: Math.max(0, slot * everyMs - now), attempts: 3 },
  );
}

/**
 * A recurring job on the queue port: expired uploads (rows and bytes), old events, sessions,
 * idempotency keys, expired exports, and account deletions left unfinished.
 */
export function housekeeping(
  queue: Pick<JobQueue, 'enqueue'>,
  services: Services,
  logger: Logger,
  everyMs: number,
): JobHandlers['housekeeping'] {
  return async ({ slot }) => {
    // The next run is booked first, so a failing sweep cannot end the chain.
    await scheduleHousekeeping(queue, everyMs, slot);
    const [uploads, , , , exports, deletions] = await Promise.all([
      services.photos.pruneExpiredUploads(),
      services.events.prune(),
      services.accounts.pruneExpired(),
      services.idempotency.prune(),
      services.accountData.pruneExports(),
      services.accountData.resumeDeletions(),
      services.credentials.pruneTokens(),
    ]);
    if (uploads > 0) logger.info({ uploads }, 'expired uploads removed');
    if (exports > 0) logger.info({ exports }, 'expired exports removed');
    if (deletions > 0) logger.info({ deletions }, 'unfinished account deletions booked again');
  };
}
