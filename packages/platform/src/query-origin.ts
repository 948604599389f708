import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What issued a query: an HTTP request (its route pattern and request id) or a job (its name).
 * Bounded, loggable values only: a route pattern, never the raw URL; never a payload.
 */
export type QueryOrigin = { route: string; requestId: string } | { job: string };

const origins = new AsyncLocalStorage<QueryOrigin>();

/**
 * Runs `fn` with `origin` as the issuer of every query it starts. A drizzle query starts when it
 * is awaited, not when it is built: await it inside `fn`.
 */
export function runWithQueryOrigin<T>(origin: QueryOrigin, fn: () => T): T {
  return origins.run(origin, fn);
}

/** The issuer of the query being made now, if a request or a job is running it. */
export function currentQueryOrigin(): QueryOrigin | undefined {
  return origins.getStore();
}
