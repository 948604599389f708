import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What one request tells the replica router: reads may go to a replica only inside a read scope
 * (an HTTP request); the router marks it when the request wrote, and asks it (once, lazily) how
 * far a replica must have replayed for this reader to see their own writes.
 */
export class ReadScope {
  /** Set by the router when a query of this scope went to the primary as a write or transaction. */
  wrote = false;
  /** Where this scope's reads were served (for a response header and tests). */
  readonly served = { primary: 0, replica: 0 };
  private required: Promise<bigint | null> | undefined;

  /**
   * `lookup` finds the reader's required WAL position (null: none); called at most once.
   * `primaryOnly`: every read of the scope goes to the primary (a request that writes: the checks
   * before its writes must see the latest rows, e.g. a post a worker has just made ready).
   */
  constructor(
    private readonly lookup: () => Promise<bigint | null>,
    readonly primaryOnly = false,
  ) {}

  /** The reader's required WAL position, looked up on the first replica-eligible read. */
  requiredPosition(): Promise<bigint | null> {
    this.required ??= this.lookup().catch(() => null);
    return this.required;
  }
}

const scopes = new AsyncLocalStorage<ReadScope>();
const primaryOnly = new AsyncLocalStorage<boolean>();

/** Runs `fn` in `scope`: its plain reads may be served by a replica. */
export function runInReadScope<T>(scope: ReadScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

/** The read scope of the running code, if any. */
export function currentReadScope(): ReadScope | undefined {
  return scopes.getStore();
}

/**
 * Runs `fn` with every query on the primary: reads whose answer is kept (a shared cache's loader)
 * or must be fresh (a session lookup right after sign-up).
 */
export function onPrimary<T>(fn: () => T): T {
  return primaryOnly.run(true, fn);
}

export function primaryRequired(): boolean {
  return primaryOnly.getStore() === true;
}
