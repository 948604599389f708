import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { ReportStatus, ReportTargetType } from '@graminsta/contracts';
import type { Db } from '@graminsta/platform';
import { comments, reports, users } from '../db/schema.ts';

export type ReportRow = typeof reports.$inferSelect;

const reporter = alias(users, 'reporter');
const owner = alias(users, 'target_owner');
const summaryOf = <U extends typeof reporter | typeof owner>(u: U) => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  avatarUrl: u.avatarUrl,
});

/** Reports: what users file and what moderators close. The only SQL on the reports table. */
export class ReportRepository {
  constructor(private readonly db: Db) {}

  async findById(id: string, tx: Db = this.db): Promise<ReportRow | null> {
    const [row] = await tx.select().from(reports).where(eq(reports.id, id));
    return row ?? null;
  }

  /** Locks the reporter's row: one reporter's reports of one target take turns (one open report each). */
  async lockReporter(reporterId: string, tx: Db): Promise<boolean> {
    const rows = await tx.select({ id: users.id }).from(users).where(eq(users.id, reporterId)).for('update');
    return rows.length > 0;
  }

  /** The reporter's open report on a target, if any (reports_target_idx). */
  async findOpen(
    reporterId: string,
    type: ReportTargetType,
    targetId: string,
    tx: Db,
  ): Promise<ReportRow | null> {
    const [row] = await tx
      .select()
      .from(reports)
      .where(
        and(
          eq(reports.targetType, type),
          eq(reports.targetId, targetId),
          eq(reports.reporterId, reporterId),
          eq(reports.status, 'open'),
        ),
      );
    return row ?? null;
  }

  async insert(
    values: {
      reporterId: string;
      targetType: ReportTargetType;
      targetId: string;
      targetOwnerId: string;
      reason: string;
    },
    tx: Db,
  ): Promise<ReportRow> {
    const [row] = await tx.insert(reports).values(values).returning();
    return row!;
  }

  /** Closes every open report on one target; returns those it closed (none when already closed). */
  async closeTarget(
    target: { type: ReportTargetType; id: string },
    status: Exclude<ReportStatus, 'open'>,
    now: Date,
    tx: Db,
  ): Promise<ReportRow[]> {
    return tx
      .update(reports)
      .set({ status, resolvedAt: now })
      .where(
        and(eq(reports.targetType, target.type), eq(reports.targetId, target.id), eq(reports.status, 'open')),
      )
      .returning();
  }

  /** Closes the open reports on a post's comments: they go with the post. */
  async closeCommentsOf(
    photoId: string,
    status: Exclude<ReportStatus, 'open'>,
    now: Date,
    tx: Db,
  ): Promise<ReportRow[]> {
    return tx
      .update(reports)
      .set({ status, resolvedAt: now })
      .where(
        and(
          eq(reports.targetType, 'comment'),
          eq(reports.status, 'open'),
          inArray(
            reports.targetId,
            tx.select({ id: comments.id }).from(comments).where(eq(comments.photoId, photoId)),
          ),
        ),
      )
      .returning();
  }

  /** Closes every open report on anything the account owns (its posts, comments and itself). */
  async closeOwner(
    ownerId: string,
    status: Exclude<ReportStatus, 'open'>,
    now: Date,
    tx: Db,
  ): Promise<ReportRow[]> {
    return tx
      .update(reports)
      .set({ status, resolvedAt: now })
      .where(and(eq(reports.targetOwnerId, ownerId), eq(reports.status, 'open')))
      .returning();
  }

  /**
   * Reports with the given status after `afterId`, oldest first (open ones by reports_open_idx),
   * each with its reporter, the target's owner and how many reports on the same target are open.
   */
  async list(status: ReportStatus, afterId: string | undefined, limit: number) {
    return this.db
      .select({
        report: reports,
        reporter: summaryOf(reporter),
        targetOwner: summaryOf(owner),
        openReports: sql<number>`(select count(*) from ${reports} s
          where s.target_type = ${reports.targetType} and s.target_id = ${reports.targetId}
            and s.status = 'open')`.mapWith(Number),
      })
      .from(reports)
      .innerJoin(reporter, eq(reporter.id, reports.reporterId))
      .innerJoin(owner, eq(owner.id, reports.targetOwnerId))
      .where(
        and(
          // A literal, not a parameter: the planner matches it to the partial reports_open_idx.
          status === 'open' ? sql`${reports.status} = 'open'` : eq(reports.status, status),
          afterId === undefined ? undefined : gt(reports.id, afterId),
        ),
      )
      .orderBy(asc(reports.id))
      .limit(limit);
  }
}

export type ReportListRow = Awaited<ReturnType<ReportRepository['list']>>[number];
