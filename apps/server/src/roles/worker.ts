import { startWorker } from '../worker/worker.ts';
import type { ComposedRole } from './role.ts';

/** Photo variants from the queue, and housekeeping; no routes of its own. */
export const workerRole = {
  name: 'worker',
  composed: true,
  start: (runtime, comp) => startWorker(comp, runtime.logger, { onRun: runtime.metrics.observeJobRun }),
} satisfies ComposedRole;
