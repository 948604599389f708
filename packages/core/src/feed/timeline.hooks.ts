import type { TimelineStore } from '@graminsta/platform';
import type { JobQueue } from '../jobs/jobs.ts';

/**
 * What write paths tell the home timelines, after their transaction commits. Only changes that
 * can make a post appear need telling: the feed's page query applies every rule that hides one
 * (unfollow, block, mute, private, suspended, deleted) to whatever a timeline holds.
 */
export interface TimelineHooks {
  /** A post became ready: its fan-out to the author's followers is booked (a job, not the request). */
  postReady(photoId: string): Promise<void>;
  /** These accounts follow someone new (or unfollowed, or blocked): their timelines are dropped. */
  followsChanged(userIds: readonly string[]): Promise<void>;
}

/** TIMELINES=off: nothing to tell. */
export const noTimelineHooks: TimelineHooks = {
  postReady: async () => {},
  followsChanged: async () => {},
};

/** Accounts per `timeline.drop` job. */
const DROP_BATCH = 500;

export interface TimelineHookDeps {
  store: Pick<TimelineStore, 'drop'>;
  queue: Pick<JobQueue, 'enqueue'>;
  /** The write stands whatever happens here: failures are reported, never thrown. */
  onError?: (err: unknown) => void;
}

export function timelineHooks(deps: TimelineHookDeps): TimelineHooks {
  const report = (err: unknown) => deps.onError?.(err);
  return {
    async postReady(photoId) {
      // jobId: a post that becomes ready twice (a retried job) fans out once while pending.
      await deps.queue.enqueue('timeline.fanout', { photoId }, { jobId: `fanout-${photoId}` }).catch(report);
    },
    async followsChanged(userIds) {
      if (userIds.length === 0) return;
      try {
        await deps.store.drop(userIds);
      } catch {
        // Redis down: reads use the database meanwhile; the drop is retried by a job until it lands.
        for (let i = 0; i < userIds.length; i += DROP_BATCH) {
          const batch = userIds.slice(i, i + DROP_BATCH);
          await deps.queue.enqueue('timeline.drop', { userIds: [...batch] }).catch(report);
        }
      }
    },
  };
}
