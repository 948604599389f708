import type { QueryObserver } from '@graminsta/platform';

/**
 * Counts the statements a database handle runs, on either driver: pass `observer` as the
 * database's `onQuery` (createTestDatabase and openDatabase take it), then `measure` a call.
 * Statements of anything else running on the same handle at the same time are counted too, so
 * measure one call at a time.
 */
export interface QueryCounter {
  readonly observer: QueryObserver;
  /** Statements run since the counter was made. */
  total(): number;
  /** Runs `fn` and tells how many statements it ran (failed ones included). */
  measure<T>(fn: () => Promise<T>): Promise<{ result: T; queries: number }>;
}

export function createQueryCounter(): QueryCounter {
  let count = 0;
  return {
    observer: () => {
      count++;
    },
    total: () => count,
    async measure(fn) {
      const before = count;
      const result = await fn();
      return { result, queries: count - before };
    },
  };
}
