import { and, eq, isNull, lt } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { idempotencyKeys } from '../db/schema.ts';

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;

export class IdempotencyRepository {
  constructor(private readonly db: Db) {}

  private held(userId: string, key: string, attempt?: string) {
    return and(
      eq(idempotencyKeys.userId, userId),
      eq(idempotencyKeys.key, key),
      attempt === undefined ? undefined : eq(idempotencyKeys.attempt, attempt),
    );
  }

  /** Claims the key for `attempt`; false when it was already there. */
  async claim(
    userId: string,
    key: string,
    requestHash: string,
    attempt: string,
    now: Date,
  ): Promise<boolean> {
    const rows = await this.db
      .insert(idempotencyKeys)
      .values({ userId, key, requestHash, attempt, claimedAt: now })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    return rows.length === 1;
  }

  async find(userId: string, key: string): Promise<IdempotencyRow | null> {
    const [row] = await this.db.select().from(idempotencyKeys).where(this.held(userId, key));
    return row ?? null;
  }

  /**
   * Hands the key from a try that never wrote anything to a new one. Compare-and-set on the old
   * attempt, and only while nothing is applied: a guard that commits first wins.
   */
  async takeOver(userId: string, key: string, from: string, to: string, now: Date): Promise<boolean> {
    const rows = await this.db
      .update(idempotencyKeys)
      .set({ attempt: to, claimedAt: now })
      .where(
        and(
          this.held(userId, key, from),
          isNull(idempotencyKeys.appliedAt),
          isNull(idempotencyKeys.statusCode),
        ),
      )
      .returning({ key: idempotencyKeys.key });
    return rows.length === 1;
  }

  /** Inside the write's transaction: true while `attempt` still holds the key. */
  async markApplied(userId: string, key: string, attempt: string, tx: Db): Promise<boolean> {
    const rows = await tx
      .update(idempotencyKeys)
      .set({ appliedAt: new Date() })
      .where(this.held(userId, key, attempt))
      .returning({ key: idempotencyKeys.key });
    return rows.length === 1;
  }

  async complete(
    userId: string,
    key: string,
    attempt: string,
    statusCode: number,
    responseBody: string,
  ): Promise<void> {
    await this.db
      .update(idempotencyKeys)
      .set({ statusCode, responseBody })
      .where(and(this.held(userId, key, attempt), isNull(idempotencyKeys.statusCode)));
  }

  /** Frees the key for a retry, unless this try wrote something (then it must never run again). */
  async release(userId: string, key: string, attempt: string): Promise<void> {
    await this.db
      .delete(idempotencyKeys)
      .where(
        and(
          this.held(userId, key, attempt),
          isNull(idempotencyKeys.statusCode),
          isNull(idempotencyKeys.appliedAt),
        ),
      );
  }

  async deleteBefore(cutoff: Date): Promise<number> {
    const rows = await this.db
      .delete(idempotencyKeys)
      .where(lt(idempotencyKeys.createdAt, cutoff))
      .returning({ key: idempotencyKeys.key });
    return rows.length;
  }
}
