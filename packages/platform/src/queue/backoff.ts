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
