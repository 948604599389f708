import type { Comment, Page, PageQuery } from '@graminsta/contracts';
import type { Db, ReadCache } from '@graminsta/platform';
import { AppError, notFound } from '../errors.ts';
import { PhotoRepository } from '../photos/photo.repository.ts';
import { cacheKeys, invalidateAfterCommit } from '../policies/cache-keys.ts';
import { authorize } from '../policies/policy.ts';
import { commentOf, photoOf } from '../policies/resources.ts';
import { StandingRepository } from '../policies/standing.repository.ts';
import type { CommentService, NotificationInput, Notifier } from '../services.ts';
import { decodeIdCursor, pageOf } from '../shared/pagination.ts';
import { toUserSummary } from '../users/user.presenter.ts';
import { CommentRepository, type CommentRow, type CommentWithAuthor } from './comment.repository.ts';

export const MAX_COMMENT_LENGTH = 1000;

export interface CommentServiceDeps {
  db: Db;
  notifier: Notifier;
  /** Cache-aside reads: a comment added or deleted drops its post's entry (comment_count). */
  cache?: ReadCache;
  /** Failures after a commit (an invalidation that could not be sent); the write stands. */
  onBackgroundError?: (err: unknown) => void;
}

export class CommentServiceImpl implements CommentService {
  private readonly comments: CommentRepository;
  private readonly photos: PhotoRepository;
  private readonly standing: StandingRepository;

  constructor(private readonly deps: CommentServiceDeps) {
    this.comments = new CommentRepository(deps.db);
    this.photos = new PhotoRepository(deps.db);
    this.standing = new StandingRepository(deps.db);
  }

  async list(photoId: string, viewerId: string | null, page: PageQuery): Promise<Page<Comment>> {
    // Comments of a photo the viewer may not see are not found either.
    const found = await this.standing.photo(photoId, viewerId);
    if (!found) throw notFound('photo');
    authorize(viewerId, 'view', photoOf(found.photo, found.owner));
    const rows = await this.comments.list(photoId, viewerId, decodeIdCursor(page.cursor), page.limit + 1);
    const { items, nextCursor } = pageOf(rows, page.limit, (r) => r.comment.id);
    return { items: items.map(toComment), nextCursor };
  }

  async create(userId: string, photoId: string, body: string): Promise<Comment> {
    const text = body.trim();
    if (text.length === 0) throw new AppError('validation_failed', 'comment must not be empty');
    if (text.length > MAX_COMMENT_LENGTH) {
      throw new AppError('validation_failed', `comment must be at most ${MAX_COMMENT_LENGTH} characters`);
    }
    const found = await this.standing.photo(photoId, userId);
    if (!found) throw notFound('photo');
    const { photo } = found;
    authorize(userId, 'comment', photoOf(photo, found.owner));

    const { comment, notificationIds } = await this.deps.db.transaction(async (tx) => {
      const row = await this.comments.insert(
        { photoId: photo.id, photoOwnerId: photo.ownerId, authorId: userId, body: text },
        tx,
      );
      // Deleted under us: throwing rolls the comment back with the counter.
      if (!(await this.comments.adjustCount(photo.id, 1, tx))) throw notFound('photo');
      const commented = await this.deps.notifier.record(tx, noteFor(row));
      const mentioned = await this.deps.notifier.mention(tx, {
        actorId: userId,
        text,
        photoId: photo.id,
        commentId: row.id,
        // The owner named in a comment on their post hears of it once, as the comment.
        alreadyNotified: photo.ownerId,
      });
      return { comment: row, notificationIds: commented ? [commented, ...mentioned] : mentioned };
    });
    await this.invalidatePhoto(photo.id);
    for (const id of notificationIds) await this.deps.notifier.announce(id);
    const created = await this.comments.findWithAuthor(comment.id);
    if (!created) throw notFound('comment');
    return toComment(created);
  }

  async delete(userId: string, commentId: string): Promise<void> {
    const found = await this.comments.findById(commentId);
    if (!found) throw notFound('comment');
    authorize(userId, 'delete', commentOf(found));
    await this.deps.db.transaction(async (tx) => {
      if (!(await this.deleteRow(found, tx))) throw notFound('comment');
    });
    await this.invalidatePhoto(found.photoId);
  }

  async remove(commentId: string, inTransaction: (tx: Db) => Promise<void>): Promise<void> {
    // A moderator's removal: no author check, and a comment already gone still lets its reports close.
    const found = await this.comments.findById(commentId);
    await this.deps.db.transaction(async (tx) => {
      if (found) await this.deleteRow(found, tx);
      await inTransaction(tx);
    });
    if (found) await this.invalidatePhoto(found.photoId);
  }

  private invalidatePhoto(photoId: string): Promise<void> {
    return invalidateAfterCommit(this.deps.cache, [cacheKeys.photo(photoId)], this.deps.onBackgroundError);
  }

  /** Deletes the comment with its count and notifications; false when it was already gone. */
  private async deleteRow(found: CommentRow, tx: Db): Promise<boolean> {
    // The photo row first, as deletePhoto locks it: taking the comment row first could deadlock with it.
    await this.photos.lock(found.photoId, tx);
    if (!(await this.comments.delete(found.id, tx))) return false;
    await this.comments.adjustCount(found.photoId, -1, tx);
    // The owner's comment notification and the mentions the comment sent go with it.
    await this.deps.notifier.retractComment(tx, found);
    return true;
  }
}

function noteFor(comment: CommentRow): NotificationInput {
  return {
    recipientId: comment.photoOwnerId,
    actorId: comment.authorId,
    type: 'comment',
    photoId: comment.photoId,
    commentId: comment.id,
  };
}

function toComment({ comment, author }: CommentWithAuthor): Comment {
  return {
    id: comment.id,
    photoId: comment.photoId,
    author: toUserSummary(author),
    body: comment.body,
    createdAt: comment.createdAt.toISOString(),
  };
}
