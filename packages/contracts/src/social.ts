import { z } from 'zod';
import { Id } from './common.ts';
import { ReportStatus } from './safety.ts';
import { text } from './text.ts';
import { UserSummary } from './users.ts';

export const Comment = z.object({
  id: Id,
  photoId: Id,
  author: UserSummary,
  body: z.string(),
  createdAt: z.string(),
});
export type Comment = z.infer<typeof Comment>;

export const CreateCommentBody = z.object({
  body: text({ multiline: true }).trim().min(1, 'comment must not be empty').max(1000),
});

export const CommentParams = z.object({ id: Id });

export const FollowState = z.object({
  following: z.boolean(),
  /** `requested` while a private account's owner has not yet accepted. */
  state: z.enum(['following', 'requested', 'none']),
  followerCount: z.number().int(),
});
export type FollowState = z.infer<typeof FollowState>;

export const NOTIFICATION_TYPES = [
  'follow',
  'like',
  'comment',
  'mention',
  /** Someone asks to follow your private account. */
  'follow_request',
  /** A private account accepted your request. */
  'follow_accept',
  /** A moderator resolved a report you sent. */
  'report_resolved',
  /** Your account export is ready to download. */
  'export_ready',
] as const;
export const NotificationType = z.enum(NOTIFICATION_TYPES);
export type NotificationType = z.infer<typeof NotificationType>;

export const Notification = z.object({
  id: Id,
  type: NotificationType,
  actor: UserSummary,
  photo: z.object({ id: Id, thumbUrl: z.string().nullable() }).nullable(),
  comment: z.object({ id: Id, body: z.string() }).nullable(),
  /** report_resolved: the report and what was decided. */
  report: z.object({ id: Id, status: ReportStatus }).nullable(),
  /** export_ready: where the zip is downloaded (signed in), and until when. */
  export: z.object({ id: Id, url: z.string(), expiresAt: z.string() }).nullable(),
  read: z.boolean(),
  createdAt: z.string(),
});
export type Notification = z.infer<typeof Notification>;

export const NotificationPage = z.object({
  items: z.array(Notification),
  nextCursor: z.string().nullable(),
  unreadCount: z.number().int(),
});

export const MarkReadBody = z
  .object({ upTo: Id.optional() })
  .optional()
  .describe('Marks every notification (or those up to and including upTo) as read');
export const UnreadCount = z.object({ unreadCount: z.number().int() });
