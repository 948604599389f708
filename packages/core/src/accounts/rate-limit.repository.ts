import { lt } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { rateLimits } from '../db/schema.ts';

/** Housekeeping of the rate-limit counters (rate-limiter-flexible reads and writes them itself). */
export class RateLimitRepository {
  constructor(private readonly db: Db) {}

  async deleteExpired(now: Date): Promise<number> {
    const rows = await this.db
      .delete(rateLimits)
      .where(lt(rateLimits.expire, now))
      .returning({ key: rateLimits.key });
    return rows.length;
  }
}
