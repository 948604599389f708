import type { Db, ReadCache } from '@graminsta/platform';
import { AppError, notFound } from '../errors.ts';
import { cacheKeys, cachedRead, caching } from '../policies/cache-keys.ts';
import type { Viewer } from '../policies/resources.ts';
import { standingOf } from '../users/account.entry.ts';
import type { AccountReads } from '../users/account.reads.ts';
import { PhotoReadRepository, type PhotoForViewer } from './photo-read.repository.ts';
import { rowOf, type PhotoEntry, type ViewerFlagsEntry } from './photo.entry.ts';

const NO_FLAGS: ViewerFlagsEntry = { liked: false, saved: false };

/**
 * A photo page's data for one viewer. Cached: the post (`photo:<id>`), its owner (`user:<id>`),
 * the viewer's pair with the owner and the viewer's like and save, each an entry of its own, so a
 * warm read runs no statement and nothing one viewer reads is another's. Uncached (CACHE=off):
 * one prepared statement.
 */
export class PhotoReads {
  private readonly repo: PhotoReadRepository;

  constructor(private readonly deps: { db: Db; cache?: ReadCache; accounts: AccountReads }) {
    this.repo = new PhotoReadRepository(deps.db);
  }

  async forViewer(photoId: string, viewer: Viewer): Promise<PhotoForViewer | null> {
    const { cache, accounts } = this.deps;
    if (!caching(cache)) {
      return viewer === null ? this.repo.forAnonymous(photoId) : this.repo.forViewer(photoId, viewer);
    }
    const entry = await cachedRead<PhotoEntry | null>(cache, cacheKeys.photo(photoId), async () => {
      // A missing post throws, so nothing is cached for it: a 404 is one cheap statement.
      const found = await this.repo.entry(photoId);
      if (!found) throw notFound('photo');
      return found;
    }).catch(nullWhenNotFound);
    if (!entry) return null;
    const [owner, relation, flags] = await Promise.all([
      accounts.byId(entry.ownerId),
      accounts.relation(viewer, entry.ownerId),
      viewer === null
        ? NO_FLAGS
        : cachedRead(cache, cacheKeys.photoViewer(photoId, viewer), () => this.repo.flags(photoId, viewer)),
    ]);
    if (!owner) return null;
    return { row: rowOf(entry, owner, flags), standing: standingOf(owner, relation) };
  }
}

function nullWhenNotFound(err: unknown): null {
  if (err instanceof AppError && err.code === 'not_found') return null;
  throw err;
}
