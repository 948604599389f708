import type {
  Report,
  ReportAction,
  ReportPage,
  ReportQuery,
  ReportStatus,
  ResolveReportBody,
  Role,
} from '@graminsta/contracts';
import type { SessionRevocations } from '../accounts/session-cache.ts';
import type { BlobStore, Db, ReadCache } from '@graminsta/platform';
import { AppError, notFound } from '../errors.ts';
import { cacheKeys, invalidateAfterCommit } from '../policies/cache-keys.ts';
import { authorize } from '../policies/policy.ts';
import { moderationOf } from '../policies/resources.ts';
import type { CommentService, ModerationService, Notifier, PhotoService } from '../services.ts';
import { decodeIdCursor, pageOf } from '../shared/pagination.ts';
import { UserRepository } from '../users/user.repository.ts';
import { ModerationRepository } from './moderation.repository.ts';
import { presentQueue, toReport } from './report.presenter.ts';
import { ReportRepository, type ReportRow } from './report.repository.ts';

export interface ModerationServiceDeps {
  db: Db;
  blobs: Pick<BlobStore, 'publicUrl'>;
  notifier: Notifier;
  /** Removal goes through the owners' own deletion paths (objects, counters, notifications). */
  photos: Pick<PhotoService, 'removePhoto'>;
  comments: Pick<CommentService, 'remove'>;
  now?: () => Date;
  /** Told after a suspension commits, so no process keeps believing the account's sessions. */
  revocations?: SessionRevocations;
  /** Cache-aside reads: a suspension drops the account's entry, so it is gone for everyone at once. */
  cache?: ReadCache;
}

const CLOSED_AS: Record<ReportAction, Exclude<ReportStatus, 'open'>> = {
  dismiss: 'dismissed',
  remove: 'removed',
  suspend: 'suspended',
};

export class ModerationServiceImpl implements ModerationService {
  private readonly reports: ReportRepository;
  private readonly moderation: ModerationRepository;
  private readonly users: UserRepository;

  constructor(private readonly deps: ModerationServiceDeps) {
    this.reports = new ReportRepository(deps.db);
    this.moderation = new ModerationRepository(deps.db);
    this.users = new UserRepository(deps.db);
  }

  async list(moderatorId: string, query: ReportQuery): Promise<ReportPage> {
    await this.authorize(moderatorId, 'review');
    const rows = await this.reports.list(query.status, decodeIdCursor(query.cursor), query.limit + 1);
    const { items, nextCursor } = pageOf(rows, query.limit, (r) => r.report.id);
    return {
      items: await presentQueue(items, { moderation: this.moderation, blobs: this.deps.blobs }),
      nextCursor,
    };
  }

  async resolve(moderatorId: string, reportId: string, body: ResolveReportBody): Promise<Report> {
    await this.authorize(moderatorId, 'resolve');
    const report = await this.reports.findById(reportId);
    if (!report) throw notFound('report');
    if (report.status !== 'open') throw alreadyResolved();
    // An account cannot be removed except by suspending it.
    const action: ReportAction =
      body.action === 'remove' && report.targetType === 'user' ? 'suspend' : body.action;
    const now = this.deps.now?.() ?? new Date();
    const notificationIds: string[] = [];

    // Runs inside the transaction of the action itself: the content, the reports, the log and the
    // reporters' notifications commit together, or none of them does.
    const close = async (tx: Db) => {
      const closed =
        action === 'suspend'
          ? await this.reports.closeOwner(report.targetOwnerId, 'suspended', now, tx)
          : await this.reports.closeTarget(
              { type: report.targetType, id: report.targetId },
              CLOSED_AS[action],
              now,
              tx,
            );
      // Another moderator got there first: throwing rolls back whatever this action did.
      if (!closed.some((r) => r.id === report.id)) throw alreadyResolved();
      // A removed post takes its comments along, and the reports on them close with it.
      if (action === 'remove' && report.targetType === 'photo') {
        closed.push(...(await this.reports.closeCommentsOf(report.targetId, 'removed', now, tx)));
      }
      await this.moderation.logAction(
        {
          reportId: report.id,
          moderatorId,
          action,
          targetType: report.targetType,
          targetId: report.targetId,
          reason: body.reason?.trim() ?? '',
        },
        tx,
      );
      for (const r of closed) {
        const id = await this.deps.notifier.record(tx, {
          recipientId: r.reporterId,
          actorId: moderatorId,
          type: 'report_resolved',
          subjectId: r.id,
        });
        if (id) notificationIds.push(id);
      }
    };

    await this.act(action, report, moderatorId, now, close);
    if (action === 'suspend') await this.deps.revocations?.revoked({ userId: report.targetOwnerId });
    for (const id of notificationIds) await this.deps.notifier.announce(id);
    return toReport({ ...report, status: CLOSED_AS[action], resolvedAt: now });
  }

  private async act(
    action: ReportAction,
    report: ReportRow,
    moderatorId: string,
    now: Date,
    close: (tx: Db) => Promise<void>,
  ): Promise<void> {
    switch (action) {
      case 'dismiss':
        return this.deps.db.transaction(close);
      case 'remove':
        // A user target never gets here: `remove` of an account is a suspension (see resolve).
        return report.targetType === 'photo'
          ? this.deps.photos.removePhoto(report.targetId, close)
          : this.deps.comments.remove(report.targetId, close);
      case 'suspend':
        if (report.targetOwnerId === moderatorId) {
          throw new AppError('bad_request', 'a moderator cannot suspend their own account');
        }
        await this.deps.db.transaction(async (tx) => {
          // Its sessions end in the same commit: the account's next request is already refused.
          if (!(await this.moderation.suspend(report.targetOwnerId, now, tx))) throw notFound('user');
          await close(tx);
        });
        return invalidateAfterCommit(this.deps.cache, [cacheKeys.user(report.targetOwnerId)]);
    }
  }

  async setRole(username: string, role: Role): Promise<{ id: string; username: string }> {
    const user = await this.moderation.setRole(username, role);
    if (!user) throw notFound('user');
    return user;
  }

  private async authorize(userId: string, action: 'review' | 'resolve'): Promise<void> {
    const user = await this.users.findById(userId);
    authorize(userId, action, moderationOf(user));
  }
}

const alreadyResolved = () => new AppError('conflict', 'this report is already resolved');
