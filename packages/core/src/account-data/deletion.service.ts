import type { BlobStore, Db, ReadCache } from '@graminsta/platform';
import { verifyPassword } from '../accounts/password.ts';
import type { SessionRevocations } from '../accounts/session-cache.ts';
import { AppError, notFound } from '../errors.ts';
import type { JobQueue } from '../jobs/jobs.ts';
import { objectKeys } from '../photos/photo.processor.ts';
import { cacheKeys, invalidateAfterCommit, pairKeys } from '../policies/cache-keys.ts';
import { PhotoRepository } from '../photos/photo.repository.ts';
import { UploadRepository } from '../photos/upload.repository.ts';
import { UserRepository } from '../users/user.repository.ts';
import { DeletionRepository, OWNED_ROWS } from './deletion.repository.ts';
import { exportKey } from './export-zip.ts';

export interface DeletionDeps {
  db: Db;
  blobs: Pick<BlobStore, 'delete' | 'purge' | 'multipart'>;
  queue: Pick<JobQueue, 'enqueue'>;
  /** Rows per batch: each batch is one short transaction, so a crash loses at most one. */
  batchSize?: number;
  now?: () => Date;
  /** Told after the account's sessions end, so no process keeps believing them. */
  revocations?: SessionRevocations;
  /** Cache-aside reads: the account, the posts and the other accounts the deletion changes are dropped. */
  cache?: ReadCache;
}

export interface DeletionRunOptions {
  /** Called after every committed batch (tests stop a run midway here). */
  afterBatch?: () => void;
}

const DEFAULT_BATCH = 200;

/** The job's id is the account's: a deletion asked twice, or re-booked by housekeeping, runs once. */
export const deletionJob = (userId: string) => ({ jobId: `delete-${userId}`, attempts: 5 });

/**
 * Account deletion: the request hides the account and ends its sessions at once; the job removes
 * every row and object it owns in batches. Each batch takes what is still there, so a run that
 * died midway is finished by the next one.
 */
export class DeletionService {
  private readonly repo: DeletionRepository;
  private readonly users: UserRepository;
  private readonly photos: PhotoRepository;
  private readonly uploads: UploadRepository;
  private readonly batch: number;

  constructor(private readonly deps: DeletionDeps) {
    this.repo = new DeletionRepository(deps.db);
    this.users = new UserRepository(deps.db);
    this.photos = new PhotoRepository(deps.db);
    this.uploads = new UploadRepository(deps.db);
    this.batch = deps.batchSize ?? DEFAULT_BATCH;
  }

  async requestDeletion(userId: string, password: string): Promise<{ status: 'deleting' }> {
    const user = await this.users.findById(userId);
    if (!user || user.deletedAt) throw notFound('user');
    if (!(await verifyPassword(password, user.passwordHash)))
      throw new AppError('forbidden', 'wrong password');
    const now = this.deps.now?.() ?? new Date();
    await this.deps.db.transaction((tx) => this.repo.markDeleted(userId, now, tx));
    await this.deps.revocations?.revoked({ userId });
    // Gone for everyone at once: the cached account said active.
    await invalidateAfterCommit(this.deps.cache, [cacheKeys.user(userId)]);
    // After the commit: should this enqueue be lost, housekeeping books the job from deleted_at.
    await this.deps.queue.enqueue('account.delete', { userId }, deletionJob(userId));
    return { status: 'deleting' };
  }

  /** The job: removes everything the account owns, then the account; a no-op once it is gone. */
  async run(userId: string, opts: DeletionRunOptions = {}): Promise<void> {
    if (!(await this.repo.isDeleting(userId))) return;
    const step = async (work: () => Promise<number>) => {
      for (;;) {
        const n = await work();
        if (n > 0) opts.afterBatch?.();
        if (n < this.batch) return;
      }
    };
    const username = (await this.users.findById(userId))?.username;
    // Others' posts and accounts whose counters the batches lower; dropped once they are done.
    const posts: string[] = [];
    const others: string[] = [];
    await step(() => this.deletePhotos(userId));
    await step(() => this.deps.db.transaction((tx) => this.repo.deleteLikes(userId, this.batch, tx, posts)));
    await step(() =>
      this.deps.db.transaction((tx) => this.repo.deleteComments(userId, this.batch, tx, posts)),
    );
    for (const side of ['follower', 'followee'] as const)
      await step(() =>
        this.deps.db.transaction((tx) => this.repo.deleteFollows(userId, side, this.batch, tx, others)),
      );
    await invalidateAfterCommit(this.deps.cache, [
      ...posts.map(cacheKeys.photo),
      ...others.flatMap((other) => pairKeys(userId, other)),
    ]);
    for (const { table, columns } of OWNED_ROWS)
      for (const column of columns)
        await step(() => this.repo.deleteOwned(table, column, userId, this.batch));
    await step(() => this.repo.deleteRateLimits(userId, this.batch));
    await step(() => this.repo.deleteEventsAbout(userId, this.batch));
    await step(() => this.deleteUploads(userId));
    await step(() => this.deleteExports(userId));
    await this.repo.deleteUser(userId);
    // The name is free again: its mapping must not lead a new account of that name to this one.
    await invalidateAfterCommit(this.deps.cache, [
      cacheKeys.user(userId),
      ...(username === undefined ? [] : [cacheKeys.uname(username)]),
    ]);
  }

  /** Housekeeping: books the job again for accounts whose deletion has not finished. */
  async resumeUnfinished(): Promise<number> {
    const ids = await this.repo.stillDeleting(100);
    for (const userId of ids)
      await this.deps.queue.enqueue('account.delete', { userId }, deletionJob(userId));
    return ids.length;
  }

  // Objects go first, then the rows that name them: a crash between leaves rows whose objects
  // are already gone, which the next run deletes again (deleting a missing object is no error).
  private async deletePhotos(userId: string): Promise<number> {
    const ids = await this.repo.photoIds(userId, this.batch);
    for (const id of ids) {
      const keys = objectKeys(await this.photos.mediaRows(id));
      await this.deps.blobs.delete(keys);
      await this.deps.blobs.purge?.(keys);
      // The same rows as deleting the post by hand: likes, saves, comments, tags, notifications, items.
      await this.deps.db.transaction(async (tx) => {
        const photo = await this.photos.lock(id, tx);
        if (!photo) return;
        await this.photos.deleteWithDependents(photo, tx);
        await this.uploads.deleteForPhoto(photo.ownerId, photo.id, tx);
      });
      await invalidateAfterCommit(this.deps.cache, [cacheKeys.photo(id)]);
    }
    return ids.length;
  }

  private async deleteUploads(userId: string): Promise<number> {
    const batch = await this.repo.uploadBatch(userId, this.batch);
    await this.deps.blobs.delete(batch.map((u) => u.key));
    for (const { key, multipartId } of batch)
      if (multipartId) await this.deps.blobs.multipart?.abort(key, multipartId);
    await this.repo.deleteUploads(batch.map((u) => u.id));
    return batch.length;
  }

  private async deleteExports(userId: string): Promise<number> {
    const batch = await this.repo.exportBatch(userId, this.batch);
    // A zip is written under its export's key before the row names it: delete that key either way.
    await this.deps.blobs.delete(batch.map((e) => e.key ?? exportKey(userId, e.id)));
    await this.repo.deleteExports(batch.map((e) => e.id));
    return batch.length;
  }
}
