import type { Report, ReportedContent, ReportItem } from '@graminsta/contracts';
import type { BlobStore } from '@graminsta/platform';
import { toPhoto } from '../photos/photo.presenter.ts';
import { toUserSummary } from '../users/user.presenter.ts';
import type { ModerationRepository } from './moderation.repository.ts';
import type { ReportListRow, ReportRow } from './report.repository.ts';

export function toReport(row: ReportRow): Report {
  return {
    id: row.id,
    target: { type: row.targetType, id: row.targetId },
    reason: row.reason,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
  };
}

// The moderator's own likes and saves mean nothing here.
const NO_FLAGS = { likedByMe: false, savedByMe: false };

/**
 * A page of the queue with each report's content in context: one query per kind of target for
 * the whole page, whatever the content's audience.
 */
export async function presentQueue(
  rows: ReportListRow[],
  deps: { moderation: ModerationRepository; blobs: Pick<BlobStore, 'publicUrl'> },
): Promise<ReportItem[]> {
  const idsOf = (type: string) =>
    rows.filter((r) => r.report.targetType === type).map((r) => r.report.targetId);
  const [comments, users] = await Promise.all([
    deps.moderation.comments(idsOf('comment')),
    deps.moderation.users(idsOf('user')),
  ]);
  // A comment is shown under its post.
  const photoIds = [...idsOf('photo'), ...comments.map((c) => c.comment.photoId)];
  const photos = await deps.moderation.photos([...new Set(photoIds)]);
  const urlOf = (key: string) => deps.blobs.publicUrl(key);
  const photoById = new Map(photos.map((p) => [p.photo.id, toPhoto(p, NO_FLAGS, urlOf)]));
  const commentById = new Map(comments.map((c) => [c.comment.id, c]));
  const userById = new Map(users.map((u) => [u.id, u]));

  const contentOf = (row: ReportListRow): ReportedContent | null => {
    const id = row.report.targetId;
    switch (row.report.targetType) {
      case 'photo': {
        const photo = photoById.get(id);
        return photo ? { type: 'photo', photo } : null;
      }
      case 'comment': {
        const found = commentById.get(id);
        if (!found) return null;
        const { comment, author } = found;
        return {
          type: 'comment',
          comment: {
            id: comment.id,
            author: toUserSummary(author),
            body: comment.body,
            createdAt: comment.createdAt.toISOString(),
          },
          photo: photoById.get(comment.photoId) ?? null,
        };
      }
      case 'user': {
        const user = userById.get(id);
        if (!user) return null;
        return {
          type: 'user',
          user: {
            ...toUserSummary(user),
            bio: user.bio,
            private: user.private,
            suspended: user.suspendedAt !== null,
            photoCount: user.photoCount,
            followerCount: user.followerCount,
            createdAt: user.createdAt.toISOString(),
          },
        };
      }
    }
  };

  return rows.map((row) => ({
    ...toReport(row.report),
    reporter: toUserSummary(row.reporter),
    targetOwner: toUserSummary(row.targetOwner),
    openReports: row.openReports,
    content: contentOf(row),
  }));
}
