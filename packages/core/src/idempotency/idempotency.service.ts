import { createHash } from 'node:crypto';
import type { Db } from '@graminsta/platform';
import { AppError } from '../errors.ts';
import { IdempotencyRepository } from './idempotency.repository.ts';

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{8,200}$/;
const KEEP_MS = 24 * 60 * 60 * 1000;

export type IdempotencyStart = { kind: 'proceed' } | { kind: 'replay'; statusCode: number; body: string };

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
    if (await this.keys.claim(userId, key, requestHash)) return { kind: 'proceed' };
    const row = await this.keys.find(userId, key);
    if (!row) return this.begin(userId, key, requestHash); // released between the two reads: try again
    if (row.requestHash !== requestHash) {
      throw new AppError('conflict', 'this Idempotency-Key was already used for a different request');
    }
    if (row.statusCode === null || row.responseBody === null) {
      // The first attempt is still running, or its process died mid-way: never apply twice.
      throw new AppError('conflict', 'a request with this Idempotency-Key is in progress or was interrupted');
    }
    return { kind: 'replay', statusCode: row.statusCode, body: row.responseBody };
  }

  /** Stores the answer; answers worth retrying (5xx, 429) free the key instead. */
  async finish(userId: string, key: string, statusCode: number, body: string): Promise<void> {
    if (statusCode >= 500 || statusCode === 429) await this.keys.release(userId, key);
    else await this.keys.complete(userId, key, statusCode, body);
  }

  async prune(): Promise<number> {
    const now = this.deps.now?.() ?? new Date();
    return this.keys.deleteBefore(new Date(now.getTime() - KEEP_MS));
  }
}
