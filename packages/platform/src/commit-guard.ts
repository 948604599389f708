import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db } from './db.ts';

/**
 * Runs inside a transaction after its work and before its commit; throwing rolls the whole
 * transaction back. It lets a caller fence off writes it does not own: the idempotency layer
 * uses it so that of two tries of one request, at most one commits anything.
 */
export type CommitGuard = (tx: Db) => Promise<void>;

interface Scope {
  guard: CommitGuard;
  /** False once `fn` has settled: work it left running (a queue pump, a timer) is not its own. */
  open: boolean;
}

const scopes = new AsyncLocalStorage<Scope>();

/**
 * Runs `fn` so that every top-level transaction it opens, however deep, calls `guard` before
 * committing, until `fn` settles. Whatever `fn` started that outlives it (a loop begun lazily
 * on first use, say) still sees this scope, but no longer the guard.
 */
export async function withCommitGuard<T>(guard: CommitGuard, fn: () => Promise<T>): Promise<T> {
  const scope: Scope = { guard, open: true };
  try {
    return await scopes.run(scope, fn);
  } finally {
    scope.open = false;
  }
}

type Transaction = (fn: (tx: Db) => Promise<unknown>, config?: unknown) => Promise<unknown>;

/** Makes `db.transaction` call the guard in force where it was called, if any. Savepoints are left alone. */
export function guardTransactions(db: Db): Db {
  const target = db as unknown as { transaction: Transaction };
  const transaction = target.transaction.bind(db);
  target.transaction = (fn, config) =>
    transaction(async (tx) => {
      const result = await fn(tx);
      const scope = scopes.getStore();
      if (scope?.open) await scope.guard(tx);
      return result;
    }, config);
  return db;
}
