import { and, asc, eq, gt, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { userEvents } from '../db/schema.ts';

export type EventRow = Pick<typeof userEvents.$inferSelect, 'id' | 'type' | 'data'>;

const eventColumns = { id: userEvents.id, type: userEvents.type, data: userEvents.data };

export class EventRepository {
  constructor(private readonly db: Db) {}

  async insert(
    userId: string,
    type: string,
    data: Record<string, unknown>,
    createdAt: Date,
  ): Promise<EventRow> {
    // One writer at a time per user: ids are then given and committed in the same order, so a
    // client resuming after id N can never miss a smaller id that committed later.
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${'user_events:' + userId}, 0))`);
      const [row] = await tx
        .insert(userEvents)
        .values({ userId, type, data, createdAt })
        .returning(eventColumns);
      return row!;
    });
  }

  /** Events after `afterId` created no earlier than `keptSince`, oldest first. */
  async after(userId: string, afterId: string, keptSince: Date, limit: number): Promise<EventRow[]> {
    return this.db
      .select(eventColumns)
      .from(userEvents)
      .where(
        and(eq(userEvents.userId, userId), gt(userEvents.id, afterId), gte(userEvents.createdAt, keptSince)),
      )
      .orderBy(asc(userEvents.id))
      .limit(limit);
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    const rows = await this.db
      .delete(userEvents)
      .where(lt(userEvents.createdAt, cutoff))
      .returning({ id: userEvents.id });
    return rows.length;
  }
}
