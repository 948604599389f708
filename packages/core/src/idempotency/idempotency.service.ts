import { createHash, randomUUID } from 'node:crypto';
import type { CommitGuard, Db } from '@graminsta/platform';
import { AppError } from '../errors.ts';
import { IdempotencyRepository } from './idempotency.repository.ts';

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{8,200}$/;
const KEEP_MS = 24 * 60 * 60 * 1000;
/**
 * A try that has held its key this long without writing anything is taken to be dead, and a
 * retry takes the key over. Longer than any request may run on a live instance (a drain gives
 * in-flight requests 25 s); a slow try that is still alive is refused at its commit instead.
 */
export const TAKEOVER_AFTER_MS = 60_000;

export type IdempotencyStart =
  { kind: 'proceed'; attempt: string } | { kind: 'replay'; statusCode: number; body: string };

/**
 * Remembers the answer to a write sent with an Idempotency-Key, so a retried request (a client
 * that lost the response, a balancer that retried) returns the first result and changes nothing.
 */
export class IdempotencyService {
  private readonly keys: IdempotencyRepository;

  constructor(private readonly deps: { db: Db; now?: () => Date }) {
    this.keys = new IdempotencyRepository(deps.db);
  }

  static hashRequest(method: string, path: string, body: unknown): string {
    return createHash('sha256')
      .update(`${method} ${path}\n${JSON.stringify(body ?? null)}`)
      .digest('base64url');
  }

  async begin(userId: string, key: string, requestHash: string): Promise<IdempotencyStart> {
    if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw new AppError(
        'bad_request',
        'Idempotency-Key must be 8–200 characters of letters, digits, "_.:-"',
      );
    }
    const now = this.deps.now?.() ?? new Date();
    const attempt = randomUUID();
    if (await this.keys.claim(userId, key, requestHash, attempt, now)) return { kind: 'proceed', attempt };
    const row = await this.keys.find(userId, key);
    if (!row) return this.begin(userId, key, requestHash); // released between the two reads: try again
    if (row.requestHash !== requestHash) {
      throw new AppError('conflict', 'this Idempotency-Key was already used for a different request');
    }
    if (row.statusCode !== null && row.responseBody !== null) {
      return { kind: 'replay', statusCode: row.statusCode, body: row.responseBody };
    }
    if (row.appliedAt !== null) {
      // Its process died after the write committed and before the answer was stored.
      throw new AppError(
        'conflict',
        'this request was applied, but its answer was lost; it will not be applied again',
      );
    }
    const stale = now.getTime() - row.claimedAt.getTime() >= TAKEOVER_AFTER_MS;
    if (stale && (await this.keys.takeOver(userId, key, row.attempt, attempt, now))) {
      return { kind: 'proceed', attempt };
    }
    throw new AppError('conflict', 'a request with this Idempotency-Key is in progress');
  }

  /**
   * Runs around the writes of one try: each of its transactions marks the key applied before it
   * commits, and refuses to commit if another try has taken the key over. So of all the tries
   * of one key, the writes of at most one ever commit.
   */
  guard(userId: string, key: string, attempt: string): CommitGuard {
    return async (tx) => {
      if (!(await this.keys.markApplied(userId, key, attempt, tx))) {
        throw new AppError('conflict', 'a retry of this request took it over; this try changed nothing');
      }
    };
  }

  /** Stores the answer; answers worth retrying (5xx, 429) free the key instead, unless the write happened. */
  async finish(
    userId: string,
    key: string,
    attempt: string,
    statusCode: number,
    body: string,
  ): Promise<void> {
    if (statusCode >= 500 || statusCode === 429) await this.keys.release(userId, key, attempt);
    else await this.keys.complete(userId, key, attempt, statusCode, body);
  }

  async prune(): Promise<number> {
    const now = this.deps.now?.() ?? new Date();
    return this.keys.deleteBefore(new Date(now.getTime() - KEEP_MS));
  }
}
