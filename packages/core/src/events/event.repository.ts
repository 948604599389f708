import { and, asc, eq, gt, gte, lt } from 'drizzle-orm';
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
    const [row] = await this.db
      .insert(userEvents)
      .values({ userId, type, data, createdAt })
      .returning(eventColumns);
    return row!;
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
