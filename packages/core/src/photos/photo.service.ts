import { randomBytes } from 'node:crypto';
import {
  MAX_UPLOAD_BYTES,
  MULTIPART_MIN_BYTES,
  MULTIPART_PART_BYTES,
  UPLOAD_CONTENT_TYPES,
  type CompletedUpload,
  type CreatePhotoBody,
  type CreateUploadBody,
  type LikeState,
  type MediaInput,
  type Page,
  type PageQuery,
  type PatchPhotoBody,
  type Photo,
  type SaveState,
  type SignPartsBody,
  type UploadParts,
  type UploadTarget,
} from '@graminsta/contracts';
import type { BlobStore, Db, ReadCache } from '@graminsta/platform';
import type { JobQueue } from '../jobs/jobs.ts';
import { AppError, notFound } from '../errors.ts';
import { RateLimitedError } from '../limits/rate-limits.ts';
import { cacheKeys, invalidateAfterCommit } from '../policies/cache-keys.ts';
import { authorize, can } from '../policies/policy.ts';
import { photoOf, uploadOf, userOf } from '../policies/resources.ts';
import { StandingRepository } from '../policies/standing.repository.ts';
import type { EventService, Notifier, PhotoService } from '../services.ts';
import { decodeIdCursor, pageOf } from '../shared/pagination.ts';
import { AccountReads } from '../users/account.reads.ts';
import { standingOf } from '../users/account.entry.ts';
import { LikeService } from './like.service.ts';
import { PhotoReads } from './photo.reads.ts';
import { PhotoPresenter } from './photo.presenter.ts';
import { PhotoProcessor, objectKeys } from './photo.processor.ts';
import { PhotoRepository, type PhotoRow } from './photo.repository.ts';
import { SaveService } from './save.service.ts';
import { extractTags } from './tags.ts';
import { MultipartFlow, partCountOf } from './upload.multipart.ts';
import { UploadRepository, type UploadRow } from './upload.repository.ts';
import type { TimelineHooks } from '../feed/timeline.hooks.ts';

export interface PhotoServiceDeps {
  db: Db;
  blobs: BlobStore;
  queue: JobQueue;
  notifier: Notifier;
  events: EventService;
  maxImagePixels: number;
  /** How long an upload target stays valid; 15 minutes by default. */
  uploadTtlSeconds?: number;
  /** Declared bytes one account may have in flight (not yet processed or expired); 100 MiB by default. */
  uploadQuotaBytes?: number;
  /** Home timelines hear of each post that becomes ready (TIMELINES=on). */
  timelines?: TimelineHooks;
  /** Cache-aside reads of posts, their owners and viewers' flags; none when absent (CACHE=off). */
  cache?: ReadCache;
  /** Failures after a commit (an invalidation that could not be sent); the write stands. */
  onBackgroundError?: (err: unknown) => void;
}

const DEFAULT_UPLOAD_TTL_SECONDS = 15 * 60;
export const DEFAULT_UPLOAD_QUOTA_BYTES = 100 * 1024 * 1024;
const PRUNE_BATCH = 200;
const ACCEPTED_TYPES: ReadonlySet<string> = new Set(UPLOAD_CONTENT_TYPES);

// Processing a photo frees its share of the quota within seconds; a client waits this long before asking again.
const QUOTA_RETRY_AFTER_SECONDS = 30;

export class PhotoServiceImpl implements PhotoService {
  private readonly photos: PhotoRepository;
  private readonly uploads: UploadRepository;
  private readonly standing: StandingRepository;
  private readonly presenter: PhotoPresenter;
  private readonly processor: PhotoProcessor;
  private readonly likes: LikeService;
  private readonly saves: SaveService;
  private readonly multipart: MultipartFlow;
  private readonly accounts: AccountReads;
  private readonly reads: PhotoReads;

  constructor(private readonly deps: PhotoServiceDeps) {
    this.accounts = new AccountReads(deps);
    this.reads = new PhotoReads({ ...deps, accounts: this.accounts });
    this.photos = new PhotoRepository(deps.db);
    this.uploads = new UploadRepository(deps.db);
    this.standing = new StandingRepository(deps.db);
    this.presenter = new PhotoPresenter({ photos: this.photos, blobs: deps.blobs });
    this.processor = new PhotoProcessor({
      ...deps,
      photos: this.photos,
      uploads: this.uploads,
      presenter: this.presenter,
      invalidate: (keys) => this.invalidate(keys),
    });
    this.multipart = new MultipartFlow({ db: deps.db, blobs: deps.blobs, uploads: this.uploads });
    const invalidate = (keys: string[]) => this.invalidate(keys);
    this.likes = new LikeService({ db: deps.db, notifier: deps.notifier, photos: this.photos, invalidate });
    this.saves = new SaveService({ db: deps.db, photos: this.photos, presenter: this.presenter, invalidate });
  }

  async createUpload(userId: string, input: CreateUploadBody): Promise<UploadTarget> {
    if (!ACCEPTED_TYPES.has(input.contentType)) {
      throw new AppError(
        'unsupported_media_type',
        `photos must be one of ${UPLOAD_CONTENT_TYPES.join(', ')}`,
      );
    }
    if (!Number.isSafeInteger(input.size) || input.size < 1) {
      throw new AppError('validation_failed', 'size must be a positive number of bytes');
    }
    if (input.size > MAX_UPLOAD_BYTES) {
      throw new AppError('payload_too_large', `photos may be at most ${MAX_UPLOAD_BYTES} bytes`);
    }
    const ttl = this.deps.uploadTtlSeconds ?? DEFAULT_UPLOAD_TTL_SECONDS;
    const expiresAt = new Date(Date.now() + ttl * 1000);
    // The random part makes the key unguessable: nobody can aim bytes at another user's upload.
    const key = `uploads/${userId}/${randomBytes(16).toString('hex')}`;
    const target = { key, contentType: input.contentType, maxBytes: input.size, expiresAt };
    // In parts when the client asks, the store can, and the file is large enough to gain from it.
    const parts =
      input.multipart && input.size >= MULTIPART_MIN_BYTES ? this.deps.blobs.multipart : undefined;
    const multipartId = parts ? await parts.create({ key, contentType: input.contentType }) : null;
    const single = parts ? null : await this.deps.blobs.createUploadTarget(target);
    const quota = this.deps.uploadQuotaBytes ?? DEFAULT_UPLOAD_QUOTA_BYTES;
    // A transaction (not a lone insert): a commit guard (an Idempotency-Key's) sees it, and the
    // owner's row lock makes two uploads racing for the last of the quota take turns.
    const row = await this.deps.db
      .transaction(async (tx) => {
        await this.uploads.lockOwner(userId, tx);
        const inFlight = await this.uploads.bytesInFlight(userId, new Date(), tx);
        if (inFlight + input.size > quota) {
          // 429, not 413: this request is not too large, the account has too much still in flight.
          throw new RateLimitedError(
            QUOTA_RETRY_AFTER_SECONDS,
            `at most ${quota} bytes of uploads may be in flight; wait for your photos to finish processing`,
          );
        }
        return this.uploads.insert({ ownerId: userId, ...target, multipartId }, tx);
      })
      .catch(async (err: unknown) => {
        if (parts && multipartId) await parts.abort(key, multipartId);
        throw err;
      });
    const upload = single ?? {
      method: 'MULTIPART' as const,
      // The API's own path: the client asks it for each part's URL (POST, body {partNumbers}).
      url: `/api/v1/uploads/${row.id}/parts`,
      partSize: MULTIPART_PART_BYTES,
      partCount: partCountOf(input.size),
    };
    return { uploadId: row.id, upload, expiresAt: expiresAt.toISOString() };
  }

  signUploadParts(userId: string, uploadId: string, body: SignPartsBody): Promise<UploadParts> {
    return this.multipart.signParts(userId, uploadId, body);
  }

  completeUpload(userId: string, uploadId: string): Promise<CompletedUpload> {
    return this.multipart.complete(userId, uploadId);
  }

  async receiveUpload(key: string, commitBytes: () => Promise<void>): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      // Two PUTs racing for one target: the conditional update lets exactly one through.
      if (!(await this.uploads.markReceived(key, new Date(), tx))) {
        throw new AppError('conflict', 'this upload target is used, expired or unknown');
      }
      // The bytes land before the claim commits; if they cannot, the claim rolls back.
      await commitBytes();
    });
  }

  async pruneExpiredUploads(now = new Date()): Promise<number> {
    let pruned = 0;
    for (;;) {
      // Rows and bytes in one transaction: the row locks keep a late PUT from landing bytes
      // after they are deleted, and a failed delete leaves the rows for the next sweep.
      const keys = await this.deps.db.transaction(async (tx) => {
        const found = await this.uploads.deleteExpiredUnused(now, PRUNE_BATCH, tx);
        await this.deps.blobs.delete(found.map((f) => f.key));
        // Parts of a MULTIPART upload never completed are not an object yet: the store drops them.
        for (const { key, multipartId } of found)
          if (multipartId) await this.deps.blobs.multipart?.abort(key, multipartId);
        return found;
      });
      pruned += keys.length;
      if (keys.length < PRUNE_BATCH) return pruned;
    }
  }

  async createPhoto(userId: string, input: CreatePhotoBody): Promise<Photo> {
    // The single-photo shape is a post of one item.
    const items: MediaInput[] = input.media ?? [{ uploadId: input.uploadId!, altText: input.altText }];
    const now = new Date();
    const uploads = await Promise.all(items.map((item) => this.usableUpload(userId, item.uploadId, now)));
    const caption = (input.caption ?? '').trim();
    const photo = await this.deps.db.transaction(async (tx) => {
      const row = await this.photos.insert({ ownerId: userId, caption }, tx);
      const media = items.map((item, i) => ({
        altText: (item.altText ?? '').trim(),
        sourceKey: uploads[i]!.key,
      }));
      await this.photos.insertMedia(row.id, userId, media, tx);
      for (const upload of uploads) {
        // Two requests racing with one upload: the conditional update lets exactly one through.
        if (!(await this.uploads.markUsed(upload.id, row.id, upload.etag, now, tx))) {
          throw new AppError('conflict', 'an upload already made a photo, or expired');
        }
      }
      await this.photos.insertTags(row.id, userId, extractTags(caption), tx);
      await this.photos.adjustPhotoCount(userId, 1, tx);
      return row;
    });
    await this.invalidate([cacheKeys.user(userId)]);
    await this.processor.enqueue(photo.id);
    return this.getPhoto(photo.id, userId);
  }

  /**
   * An upload of the caller's, unused, unexpired, whose bytes arrived within the announced size
   * and type; `etag` is the ETag of those very bytes, pinned so the worker reads nothing else.
   */
  private async usableUpload(userId: string, uploadId: string, now: Date): Promise<UploadRow> {
    const upload = await this.uploads.findById(uploadId);
    if (!upload) throw notFound('upload');
    authorize(userId, 'use', uploadOf(upload));
    if (upload.photoId !== null) throw new AppError('conflict', 'this upload already made a photo');
    if (upload.expiresAt <= now) throw new AppError('conflict', 'this upload has expired');
    const stored = await this.deps.blobs.head(upload.key);
    if (!stored) throw new AppError('bad_request', 'upload has no bytes yet');
    // An object store that enforces no POST policy (s3rver) takes anything: check what arrived.
    if (stored.size > upload.maxBytes)
      throw new AppError('payload_too_large', 'upload is larger than announced');
    if (stored.contentType !== upload.contentType)
      throw new AppError('unsupported_media_type', `upload was announced as ${upload.contentType}`);
    return { ...upload, etag: stored.etag ?? null };
  }

  async getPhoto(photoId: string, viewerId: string | null): Promise<Photo> {
    const found = await this.reads.forViewer(photoId, viewerId);
    if (!found) throw notFound('photo');
    authorize(viewerId, 'view', photoOf(found.row.photo, found.standing));
    // The row carries the viewer's like and save: presenting it runs no query.
    return this.presenter.presentOne(found.row, viewerId);
  }

  async editPhoto(userId: string, photoId: string, patch: PatchPhotoBody): Promise<Photo> {
    const mentions = await this.deps.db.transaction(async (tx) => {
      const photo = await this.photos.lock(photoId, tx);
      if (!photo) throw notFound('photo');
      authorize(userId, 'edit', photoOf(photo, await this.standing.owner(userId, photo.ownerId, tx)));
      let changed = false;
      if (patch.media) {
        const current = await this.photos.mediaRows(photo.id, tx);
        const known = new Set(current.map((m) => m.id));
        if (patch.media.length !== current.length || !patch.media.every((m) => known.has(m.id))) {
          throw new AppError(
            'validation_failed',
            `media must name each of the post's ${current.length} items once, in the new order`,
          );
        }
        const arranged = patch.media.map((m) => ({ id: m.id, altText: m.altText?.trim() }));
        const byId = new Map(current.map((m) => [m.id, m]));
        changed ||= arranged.some(
          (m, position) =>
            byId.get(m.id)!.position !== position ||
            (m.altText !== undefined && byId.get(m.id)!.altText !== m.altText),
        );
        await this.photos.arrangeMedia(photo.id, arranged, tx);
      }
      const caption = patch.caption?.trim();
      if (caption !== undefined && caption !== photo.caption) {
        changed = true;
        await this.photos.setCaption(photo.id, caption, tx);
        await this.photos.insertTags(photo.id, photo.ownerId, extractTags(caption), tx);
      }
      if (!changed) return [];
      await this.photos.markEdited(photo.id, new Date(), tx);
      // A post still processing mentions its caption's users when it becomes ready (the processor).
      if (caption === undefined || photo.status !== 'ready') return [];
      return this.deps.notifier.mention(tx, { actorId: userId, text: caption, photoId: photo.id });
    });
    await this.invalidate([cacheKeys.photo(photoId)]);
    for (const id of mentions) await this.deps.notifier.announce(id);
    return this.getPhoto(photoId, userId);
  }

  async deletePhoto(userId: string, photoId: string): Promise<void> {
    await this.deletePost(photoId, async (photo, tx) => {
      if (!photo) throw notFound('photo');
      authorize(userId, 'delete', photoOf(photo, await this.standing.owner(userId, photo.ownerId, tx)));
    });
  }

  async removePhoto(photoId: string, inTransaction: (tx: Db) => Promise<void>): Promise<void> {
    // A moderator's removal: no owner check, and a post already gone still lets its reports close.
    await this.deletePost(photoId, (_photo, tx) => inTransaction(tx));
  }

  /** The one deletion path: `check` runs under the row lock and may refuse (or add to) the transaction. */
  private async deletePost(
    photoId: string,
    check: (photo: PhotoRow | null, tx: Db) => Promise<void>,
  ): Promise<void> {
    const { media, ownerId } = await this.deps.db.transaction(async (tx) => {
      const photo = await this.photos.lock(photoId, tx);
      await check(photo, tx);
      if (!photo) return { media: [], ownerId: null };
      const items = await this.photos.mediaRows(photo.id, tx);
      await this.photos.deleteWithDependents(photo, tx);
      await this.uploads.deleteForPhoto(photo.ownerId, photo.id, tx);
      return { media: items, ownerId: photo.ownerId };
    });
    // The post, and its owner's photo_count (and avatar, when it was the avatar).
    if (ownerId !== null) await this.invalidate([cacheKeys.photo(photoId), cacheKeys.user(ownerId)]);
    if (media.length === 0) return;
    // Objects go after the commit: a failed transaction must not leave a post without its images.
    const keys = objectKeys(media);
    await this.deps.blobs.delete(keys);
    // The edge stops serving them too (a store without an edge has no purge).
    await this.deps.blobs.purge?.(keys);
  }

  async listByUser(username: string, viewerId: string | null, page: PageQuery): Promise<Page<Photo>> {
    const found = await this.accounts.byName(username, viewerId);
    if (!found) throw notFound('user');
    const owner = standingOf(found.account, found.relation);
    authorize(viewerId, 'photos', userOf(owner));
    const rows = await this.photos.listByOwner(found.account.id, {
      // Whoever may see this owner's processing photos sees the unready ones in the list too.
      includeUnready: can(viewerId, 'view', photoOf({ status: 'processing' }, owner)),
      before: decodeIdCursor(page.cursor),
      limit: page.limit + 1,
    });
    const { items, nextCursor } = pageOf(rows, page.limit, (r) => r.photo.id);
    return { items: await this.presenter.present(items, viewerId), nextCursor };
  }

  like(userId: string, photoId: string): Promise<LikeState> {
    return this.likes.like(userId, photoId);
  }

  unlike(userId: string, photoId: string): Promise<LikeState> {
    return this.likes.unlike(userId, photoId);
  }

  save(userId: string, photoId: string): Promise<SaveState> {
    return this.saves.save(userId, photoId);
  }

  unsave(userId: string, photoId: string): Promise<SaveState> {
    return this.saves.unsave(userId, photoId);
  }

  /** Drops what a committed write changed; the writer's next read loads it again. */
  private invalidate(keys: string[]): Promise<void> {
    return invalidateAfterCommit(this.deps.cache, keys, this.deps.onBackgroundError);
  }

  listSaved(userId: string, page: PageQuery): Promise<Page<Photo>> {
    return this.saves.list(userId, page);
  }

  processPhoto(photoId: string): Promise<void> {
    return this.processor.process(photoId);
  }

  requeueStuck(): Promise<number> {
    return this.processor.requeueStuck();
  }
}
