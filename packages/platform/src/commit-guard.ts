import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db } from './db.ts';

/**
 * Runs inside a transaction after its work and before its commit; throwing rolls the whole
 * transaction back. It lets a caller fence off writes it does not own: the idempotency layer
 * uses it so that of two tries of one request, at most one commits anything.
 */
export type CommitGuard = (tx: Db) => Promise<void>;

const guards = new AsyncLocalStorage<CommitGuard>();

/** Runs `fn` so that every top-level transaction it opens, however deep, calls `guard` before committing. */
export function withCommitGuard<T>(guard: CommitGuard, fn: () => T): T {
  return guards.run(guard, fn);
}

type Transaction = (fn: (tx: Db) => Promise<unknown>, config?: unknown) => Promise<unknown>;

/** Makes `db.transaction` call the guard in force where it was called, if any. Savepoints are left alone. */
export function guardTransactions(db: Db): Db {
  const target = db as unknown as { transaction: Transaction };
  const transaction = target.transaction.bind(db);
  target.transaction = (fn, config) =>
    transaction(async (tx) => {
      const result = await fn(tx);
      const guard = guards.getStore();
      if (guard) await guard(tx);
      return result;
    }, config);
  return db;
}
