import { and, eq, gt, isNull, lte, or, isNotNull } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { emailTokens } from '../db/schema.ts';

export type MailPurpose = 'verify' | 'reset';

/** Mailed tokens, found by their SHA-256; the token itself is never stored. */
export class EmailTokenRepository {
  constructor(private readonly db: Db) {}

  async insert(values: {
    userId: string;
    purpose: MailPurpose;
    tokenHash: string;
    email: string;
    expiresAt: Date;
  }): Promise<string> {
    const [row] = await this.db.insert(emailTokens).values(values).returning({ id: emailTokens.id });
    return row!.id;
  }

  /**
   * Marks a live token used and answers whose it was; null when unknown, used or expired.
   * One conditional UPDATE: of two requests racing with one token, exactly one gets the row.
   */
  async spend(
    tokenHash: string,
    purpose: MailPurpose,
    now: Date,
    tx: Db,
  ): Promise<{ userId: string; email: string } | null> {
    const [row] = await tx
      .update(emailTokens)
      .set({ usedAt: now })
      .where(
        and(
          eq(emailTokens.tokenHash, tokenHash),
          eq(emailTokens.purpose, purpose),
          isNull(emailTokens.usedAt),
          gt(emailTokens.expiresAt, now),
        ),
      )
      .returning({ userId: emailTokens.userId, email: emailTokens.email });
    return row ?? null;
  }

  /** Spends every live token of one purpose a user holds (older reset links die with a new password). */
  async spendAll(userId: string, purpose: MailPurpose, now: Date, tx: Db): Promise<void> {
    await tx
      .update(emailTokens)
      .set({ usedAt: now })
      .where(
        and(eq(emailTokens.userId, userId), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt)),
      );
  }

  /** A token whose mail could not be sent: nobody holds it, so it goes. */
  async delete(id: string): Promise<void> {
    await this.db.delete(emailTokens).where(eq(emailTokens.id, id));
  }

  /** Housekeeping: tokens past their expiry or spent are of no further use. */
  async deleteDead(now: Date): Promise<number> {
    const rows = await this.db
      .delete(emailTokens)
      .where(or(lte(emailTokens.expiresAt, now), isNotNull(emailTokens.usedAt)))
      .returning({ id: emailTokens.id });
    return rows.length;
  }
}
