import type { CreateReportBody, Report, ReportTarget } from '@graminsta/contracts';
import type { Db } from '@graminsta/platform';
import { AppError, notFound } from '../errors.ts';
import type { PhotoService, ReportService, UserService } from '../services.ts';
import { CommentRepository } from '../social/comment.repository.ts';
import { UserRepository } from '../users/user.repository.ts';
import { toReport } from './report.presenter.ts';
import { ReportRepository } from './report.repository.ts';

export interface ReportServiceDeps {
  db: Db;
  /** The ordinary read paths: a user may report only what they can see there. */
  photos: Pick<PhotoService, 'getPhoto'>;
  users: Pick<UserService, 'getProfile'>;
}

export class ReportServiceImpl implements ReportService {
  private readonly reports: ReportRepository;
  private readonly comments: CommentRepository;
  private readonly users: UserRepository;

  constructor(private readonly deps: ReportServiceDeps) {
    this.reports = new ReportRepository(deps.db);
    this.comments = new CommentRepository(deps.db);
    this.users = new UserRepository(deps.db);
  }

  async create(reporterId: string, body: CreateReportBody): Promise<Report> {
    const reason = body.reason.trim();
    if (reason.length === 0) throw new AppError('validation_failed', 'say why you report this');
    const ownerId = await this.ownerOfVisible(reporterId, body.target);
    if (ownerId === reporterId)
      throw new AppError('bad_request', 'you cannot report your own account or content');
    const row = await this.deps.db.transaction(async (tx) => {
      if (!(await this.reports.lockReporter(reporterId, tx))) throw notFound('user');
      // One open report per reporter and target: asking again answers the report already filed.
      const open = await this.reports.findOpen(reporterId, body.target.type, body.target.id, tx);
      if (open) return open;
      return this.reports.insert(
        {
          reporterId,
          targetType: body.target.type,
          targetId: body.target.id,
          targetOwnerId: ownerId,
          reason,
        },
        tx,
      );
    });
    return toReport(row);
  }

  /** The owner of the target, if it exists and the reporter may see it; not found otherwise. */
  private async ownerOfVisible(viewerId: string, target: ReportTarget): Promise<string> {
    switch (target.type) {
      case 'photo':
        return (await this.deps.photos.getPhoto(target.id, viewerId)).owner.id;
      case 'comment': {
        const comment = await this.comments.findById(target.id);
        if (!comment) throw notFound('comment');
        // A comment under a post the viewer cannot see does not exist for them either.
        await this.deps.photos.getPhoto(comment.photoId, viewerId).catch((err: unknown) => {
          throw err instanceof AppError && err.code === 'not_found' ? notFound('comment') : err;
        });
        return comment.authorId;
      }
      case 'user': {
        const user = await this.users.findById(target.id);
        if (!user || user.suspendedAt !== null || user.deletedAt !== null) throw notFound('user');
        await this.deps.users.getProfile(user.username, viewerId);
        return user.id;
      }
    }
  }
}
