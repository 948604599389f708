import { z } from 'zod';
import { Id } from './common.ts';
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

export const FollowState = z.object({ following: z.boolean(), followerCount: z.number().int() });
export type FollowState = z.infer<typeof FollowState>;

export const NotificationType = z.enum(['follow', 'like', 'comment', 'mention']);
export type NotificationType = z.infer<typeof NotificationType>;

export const Notification = z.object({
  id: Id,
  type: NotificationType,
  actor: UserSummary,
  photo: z.object({ id: Id, thumbUrl: z.string().nullable() }).nullable(),
  comment: z.object({ id: Id, body: z.string() }).nullable(),
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
