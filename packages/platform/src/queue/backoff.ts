/** Delay before the next try after `attempt` failed tries: 1 s, 2 s, 4 s … capped at 5 minutes. */
export function exponentialBackoff(baseMs = 1000, maxMs = 300_000): (attempt: number) => number {
  return (attempt) => Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

export const DEFAULT_ATTEMPTS = 3;

export interface QueueErrorReport {
  name: string;
  id: string;
  attempt: number;
  /** True when no retry follows: the job is given up. */
  final: boolean;
  error: unknown;
}

/** The error a dead-job handler gets when the worker of a job's last try stopped before it ended. */
export class JobLostError extends Error {
  constructor(attempts: number) {
    super(`the worker running try ${attempts} stopped before it finished`);
    this.name = 'JobLostError';
  }
}

/** How often a given-up job is reaped (its dead-job handler tried again after a lapsed lease) before it is left alone. */
export const DEAD_HANDLER_TRIES = 3;
