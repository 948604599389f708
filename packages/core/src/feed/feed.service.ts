import type { Page, PageQuery, Photo } from '@graminsta/contracts';
import type { BlobStore, Db } from '@graminsta/platform';
import { PhotoPresenter } from '../photos/photo.presenter.ts';
import { PhotoRepository, type PhotoWithOwner } from '../photos/photo.repository.ts';
import type { FeedService } from '../services.ts';
import { decodeIdCursor, pageOf } from '../shared/pagination.ts';
import { FeedRepository } from './feed.repository.ts';
import { TimelineFeed, type TimelineFeedDeps } from './timeline.feed.ts';

export interface FeedServiceDeps {
  db: Db;
  blobs: Pick<BlobStore, 'publicUrl'>;
  /** TIMELINES=on: the home feed reads materialised timelines (timeline.feed.ts); off: one query. */
  timelines?: Omit<TimelineFeedDeps, 'db'>;
}

/** Feeds are read at request time from follows (fan-out on read); every page is keyset by photo id. */
export class FeedServiceImpl implements FeedService {
  private readonly feeds: FeedRepository;
  private readonly presenter: PhotoPresenter;
  private readonly timelines: TimelineFeed | null;
  private readonly timelineStore: FeedServiceDeps['timelines'];

  constructor(deps: FeedServiceDeps) {
    this.feeds = new FeedRepository(deps.db);
    this.timelines = deps.timelines ? new TimelineFeed({ db: deps.db, ...deps.timelines }) : null;
    this.timelineStore = deps.timelines;
    this.presenter = new PhotoPresenter({ photos: new PhotoRepository(deps.db), blobs: deps.blobs });
  }

  home(userId: string, page: PageQuery): Promise<Page<Photo>> {
    const timelines = this.timelines;
    if (!timelines) return this.page(page, userId, (before, limit) => this.feeds.home(userId, before, limit));
    // Whenever the timeline cannot answer a page exactly, the fan-out-on-read query does.
    return this.page(
      page,
      userId,
      async (before, limit) =>
        (await timelines.home(userId, before, limit)) ?? this.feeds.home(userId, before, limit),
    );
  }

  async fanOut(photoId: string): Promise<void> {
    await this.timelines?.fanOut(photoId);
  }

  async dropTimelines(userIds: string[]): Promise<void> {
    await this.timelineStore?.store.drop(userIds);
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
