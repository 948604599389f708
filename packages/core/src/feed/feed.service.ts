import type { Page, PageQuery, Photo } from '@graminsta/contracts';
import type { BlobStore, Db } from '@graminsta/platform';
import { PhotoPresenter } from '../photos/photo.presenter.ts';
import { PhotoRepository, type PhotoWithOwner } from '../photos/photo.repository.ts';
import type { FeedService } from '../services.ts';
import { decodeIdCursor, pageOf } from '../shared/pagination.ts';
import { FeedRepository } from './feed.repository.ts';

export interface FeedServiceDeps {
  db: Db;
  blobs: Pick<BlobStore, 'publicUrl'>;
}

/** Feeds are read at request time from follows (fan-out on read); every page is keyset by photo id. */
export class FeedServiceImpl implements FeedService {
  private readonly feeds: FeedRepository;
  private readonly presenter: PhotoPresenter;

  constructor(deps: FeedServiceDeps) {
    this.feeds = new FeedRepository(deps.db);
    this.presenter = new PhotoPresenter({ photos: new PhotoRepository(deps.db), blobs: deps.blobs });
  }

  home(userId: string, page: PageQuery): Promise<Page<Photo>> {
    return this.page(page, userId, (before, limit) => this.feeds.home(userId, before, limit));
  }

  explore(viewerId: string | null, page: PageQuery): Promise<Page<Photo>> {
    return this.page(page, viewerId, (before, limit) => this.feeds.explore(viewerId, before, limit));
  }

  tag(tag: string, viewerId: string | null, page: PageQuery): Promise<Page<Photo>> {
    const key = tag.normalize('NFC').toLowerCase();
    return this.page(page, viewerId, (before, limit) => this.feeds.tag(viewerId, key, before, limit));
  }

  private async page(
    page: PageQuery,
    viewerId: string | null,
    fetch: (before: string | undefined, limit: number) => Promise<PhotoWithOwner[]>,
  ): Promise<Page<Photo>> {
    const rows = await fetch(decodeIdCursor(page.cursor), page.limit + 1);
    const { items, nextCursor } = pageOf(rows, page.limit, (r) => r.photo.id);
    return { items: await this.presenter.present(items, viewerId), nextCursor };
  }
}
