import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { rateLimits } from '../db/schema.ts';

/** Fixed-window counters in the database, so every API instance counts against the same limit. */
export class RateLimitRepository {
  constructor(private readonly db: Db) {}

  /** Counts one hit in the window and returns the window's count including it (one atomic upsert). */
  async hit(key: string, windowStart: Date): Promise<number> {
    const [row] = await this.db
      .insert(rateLimits)
      .values({ key, windowStart, count: 1 })
      .onConflictDoUpdate({
        target: [rateLimits.key, rateLimits.windowStart],
        set: { count: sql`${rateLimits.count} + 1` },
      })
      .returning({ count: rateLimits.count });
    return row!.count;
  }

  /** Takes one hit back (a successful attempt that should not count against the key). */
  async refund(key: string, windowStart: Date): Promise<void> {
    await this.db
      .update(rateLimits)
      .set({ count: sql`greatest(${rateLimits.count} - 1, 0)` })
      .where(and(eq(rateLimits.key, key), eq(rateLimits.windowStart, windowStart)));
  }

  async deleteBefore(cutoff: Date): Promise<number> {
    const rows = await this.db
      .delete(rateLimits)
      .where(lt(rateLimits.windowStart, cutoff))
      .returning({ key: rateLimits.key });
    return rows.length;
  }
}
