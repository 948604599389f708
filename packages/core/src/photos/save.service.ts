import type { Page, PageQuery, Photo, SaveState } from '@graminsta/contracts';
import type { Db } from '@graminsta/platform';
import { notFound } from '../errors.ts';
import { cacheKeys } from '../policies/cache-keys.ts';
import { authorize } from '../policies/policy.ts';
import { photoOf } from '../policies/resources.ts';
import { StandingRepository } from '../policies/standing.repository.ts';
import { decodeIdCursor, encodeIdCursor, pageOf } from '../shared/pagination.ts';
import type { PhotoPresenter } from './photo.presenter.ts';
import type { PhotoRepository } from './photo.repository.ts';
import { SaveRepository } from './save.repository.ts';

/** Saved posts: private to the user who saved them; no counter, no notification. */
export class SaveService {
  private readonly saves: SaveRepository;
  private readonly standing: StandingRepository;

  constructor(
    private readonly deps: {
      db: Db;
      photos: PhotoRepository;
      presenter: PhotoPresenter;
      /** Drops cached entries after a commit (the saver's savedByMe). */
      invalidate?: (keys: string[]) => Promise<void>;
    },
  ) {
    this.saves = new SaveRepository(deps.db);
    this.standing = new StandingRepository(deps.db);
  }

  async save(userId: string, photoId: string): Promise<SaveState> {
    await this.deps.db.transaction(async (tx) => {
      // The share lock keeps a concurrent delete from leaving a save of a post that is gone.
      const photo = await this.deps.photos.lock(photoId, tx, 'share');
      if (!photo) throw notFound('photo');
      authorize(userId, 'save', photoOf(photo, await this.standing.owner(userId, photo.ownerId, tx)));
      await this.saves.insert(userId, photo.id, photo.ownerId, tx);
    });
    await this.deps.invalidate?.([cacheKeys.photoViewer(photoId, userId)]);
    return { saved: true };
  }

  async unsave(userId: string, photoId: string): Promise<SaveState> {
    // Only a ready post can have been saved, and a post never leaves ready: one the caller may not
    // save is not found, as for save (answering otherwise would tell that a hidden post exists).
    // A post that is gone took its saves with it.
    const found = await this.standing.photo(photoId, userId);
    if (!found) throw notFound('photo');
    const { photo } = found;
    authorize(userId, 'save', photoOf(photo, found.owner));
    await this.saves.delete(userId, photo.id);
    await this.deps.invalidate?.([cacheKeys.photoViewer(photo.id, userId)]);
    return { saved: false };
  }

  async list(userId: string, page: PageQuery): Promise<Page<Photo>> {
    const rows = await this.saves.list(userId, decodeIdCursor(page.cursor), page.limit + 1);
    const { items, nextCursor } = pageOf(rows, page.limit, (last) => encodeIdCursor(last.saveId));
    return { items: await this.deps.presenter.present(items, userId), nextCursor };
  }
}
