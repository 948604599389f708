import type { QueryOrigin } from '@graminsta/platform';

/** Where slow queries are logged, and from how long a query counts as slow. */
export interface SlowQueryLog {
  thresholdMs: number;
  logger: { warn(fields: object, message: string): void };
}

/**
 * One warn line's fields: the statement's name (never its text or parameters), how long it took,
 * and who issued it: the route pattern and request id, or the job, or `unknown` (start-up,
 * timers, the replica poll).
 */
export function slowQueryLine(statement: string, seconds: number, origin: QueryOrigin | undefined): object {
  const ms = Math.round(seconds * 1000);
  if (!origin) return { statement, ms, origin: 'unknown' };
  if ('job' in origin) return { statement, ms, job: origin.job };
  return { statement, ms, route: origin.route, requestId: origin.requestId };
}
