import { z } from 'zod';
import { Cursor, Id } from './common.ts';
import { Photo } from './photos.ts';
import { ReportAction, ReportStatus, ReportTargetType } from './safety.ts';
import { text } from './text.ts';
import { UserSummary } from './users.ts';

export const REPORT_REASON_MAX = 500;

/** What a report points at: a photo post, a comment or an account, by id. */
export const ReportTarget = z.object({ type: ReportTargetType, id: Id });
export type ReportTarget = z.infer<typeof ReportTarget>;

export const ReportReason = text({ multiline: true })
  .trim()
  .min(1, 'say why you report this')
  .max(REPORT_REASON_MAX, `reason must be at most ${REPORT_REASON_MAX} characters`);

export const CreateReportBody = z.object({ target: ReportTarget, reason: ReportReason });
export type CreateReportBody = z.infer<typeof CreateReportBody>;

/** A report as its reporter sees it. */
export const Report = z.object({
  id: Id,
  target: ReportTarget,
  reason: z.string(),
  status: ReportStatus,
  createdAt: z.string(),
  resolvedAt: z.string().nullable(),
});
export type Report = z.infer<typeof Report>;

/** A reported comment with the post it is under. */
export const ReportedComment = z.object({
  id: Id,
  author: UserSummary,
  body: z.string(),
  createdAt: z.string(),
});

/** A reported account as a moderator sees it, private or not. */
export const ReportedUser = UserSummary.extend({
  bio: z.string(),
  private: z.boolean(),
  suspended: z.boolean(),
  photoCount: z.number().int(),
  followerCount: z.number().int(),
  createdAt: z.string(),
});

/** The reported content in context; null when it is gone (deleted by its owner meanwhile). */
export const ReportedContent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('photo'), photo: Photo }),
  z.object({ type: z.literal('comment'), comment: ReportedComment, photo: Photo.nullable() }),
  z.object({ type: z.literal('user'), user: ReportedUser }),
]);
export type ReportedContent = z.infer<typeof ReportedContent>;

/** One entry of the moderation queue. */
export const ReportItem = Report.extend({
  reporter: UserSummary,
  /** The account the content belongs to (the account itself, for an account report). */
  targetOwner: UserSummary,
  /** Open reports on the same target, this one included while it is open. */
  openReports: z.number().int(),
  content: ReportedContent.nullable(),
});
export type ReportItem = z.infer<typeof ReportItem>;

export const ReportPage = z.object({ items: z.array(ReportItem), nextCursor: z.string().nullable() });
export type ReportPage = z.infer<typeof ReportPage>;

export const ReportQuery = z.object({
  /** Which reports: the open ones (the queue) unless asked. */
  status: ReportStatus.default('open'),
  cursor: Cursor.optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});
export type ReportQuery = z.infer<typeof ReportQuery>;

export const ReportParams = z.object({ id: Id });

export const ResolveReportBody = z.object({
  action: ReportAction,
  reason: text({ multiline: true }).trim().max(REPORT_REASON_MAX).optional(),
});
export type ResolveReportBody = z.infer<typeof ResolveReportBody>;
