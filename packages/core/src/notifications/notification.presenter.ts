import { exportDownloadPath, type Notification } from '@graminsta/contracts';
import { toUserSummary } from '../users/user.presenter.ts';
import type { NotificationRow } from './notification.repository.ts';

export function toNotification(row: NotificationRow, publicUrl: (key: string) => string): Notification {
  const thumbKey = row.photoVariants?.thumb?.key;
  return {
    id: row.id,
    type: row.type,
    actor: toUserSummary(row.actor),
    // A photo still being processed (or gone) has no thumbnail yet; the id alone still links to it.
    photo: row.photoId ? { id: row.photoId, thumbUrl: thumbKey ? publicUrl(thumbKey) : null } : null,
    comment: row.commentId && row.commentBody !== null ? { id: row.commentId, body: row.commentBody } : null,
    report:
      row.reportId !== null && row.reportStatus !== null
        ? { id: row.reportId, status: row.reportStatus }
        : null,
    export:
      row.type === 'export_ready' && row.subjectId && row.exportExpiresAt
        ? {
            id: row.subjectId,
            url: exportDownloadPath(row.subjectId),
            expiresAt: row.exportExpiresAt.toISOString(),
          }
        : null,
    read: row.readAt !== null,
    createdAt: row.createdAt.toISOString(),
  };
}
