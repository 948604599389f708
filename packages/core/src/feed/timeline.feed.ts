import type { Db, TimelineSlice, TimelineStore } from '@graminsta/platform';
import type { PhotoWithOwner } from '../photos/photo.repository.ts';
import { TimelineRepository } from './timeline.repository.ts';

/** Ids kept per home timeline: about 25 pages of 20; deeper pages read the database. */
export const TIMELINE_LENGTH = 500;
/** A timeline nobody reads for two days is dropped: idle accounts cost no memory or fan-out. */
export const TIMELINE_IDLE_SECONDS = 2 * 24 * 3600;
/** How long a rebuild's claim lasts: a builder that died frees the timeline after this. */
const BUILD_MS = 10_000;
/** Followers read and fanned out to per round trip. */
const FANOUT_BATCH = 1000;

/** What a timeline read came to (the server counts them). */
export type TimelineOutcome = 'hit' | 'rebuilt' | 'fallback' | 'store_error';

export interface TimelineFeedDeps {
  db: Db;
  store: TimelineStore;
  /** FEED_CELEBRITY_FOLLOWERS: authors with this many followers are merged at read time, never fanned out. */
  celebrityFollowers: number;
  /**
   * The store's maximum length, and it must be the same number: a rebuild reads no more, and the
   * store calls a timeline of that length truncated (TIMELINE_LENGTH unless given).
   */
  length?: number;
  onOutcome?: (outcome: TimelineOutcome) => void;
  /** A store failure (Redis down): the feed reads the database instead and reports it here. */
  onStoreError?: (err: unknown) => void;
}

/**
 * The home feed from materialised timelines (TIMELINES=on): hybrid fan-out. A post of an ordinary
 * author is added to each follower's timeline by a job (fanOut); posts of celebrities, and the
 * viewer's own, are merged at read time by the page query. `home` answers null whenever the
 * timeline cannot answer a page exactly (being rebuilt elsewhere, truncated, too many hidden ids,
 * the store down); the caller then runs the fan-out-on-read query.
 */
export class TimelineFeed {
  private readonly repo: TimelineRepository;
  /**
   * Read-time merge starts a tenth below the fan-out threshold, so an author whose follower count
   * wobbles around it is merged before fan-out stops, never neither.
   */
  private readonly mergeFrom: number;

  constructor(private readonly deps: TimelineFeedDeps) {
    this.repo = new TimelineRepository(deps.db);
    this.mergeFrom = Math.max(1, Math.floor(deps.celebrityFollowers * 0.9));
  }

  /** The newest `want` visible posts of the viewer's home feed below `before`, or null (read the database). */
  async home(userId: string, before: string | undefined, want: number): Promise<PhotoWithOwner[] | null> {
    // Over-fetch: ids a rule hides (unfollowed, muted, deleted) drop out of the page.
    let window = Math.max(want * 2, 40);
    for (let round = 0; round < 3; round += 1, window *= 4) {
      const slice = await this.slice(userId, before, window);
      if (!slice) return this.outcome('fallback', null);
      const rows = await this.repo.page(userId, slice.ids, before, want, this.mergeFrom);
      const windowFull = slice.ids.length === window;
      // Every id below the cursor was read: the page is exact.
      if (!windowFull && !slice.truncated) return this.outcome('hit', rows);
      // Posts older than the last id read may be missing from the candidates: trust rows above it.
      const floor = slice.ids.at(-1);
      if (floor === undefined) return this.outcome('fallback', null);
      const trusted = rows.filter((r) => BigInt(r.photo.id) >= BigInt(floor));
      if (trusted.length >= want) return this.outcome('hit', trusted);
      // A truncated timeline read to its end: older posts live in the database only.
      if (!windowFull) return this.outcome('fallback', null);
    }
    return this.outcome('fallback', null);
  }

  /** Job `timeline.fanout`: adds a ready post to the timelines of its author's followers (idempotent). */
  async fanOut(photoId: string): Promise<number> {
    const author = await this.repo.readyPostAuthor(photoId);
    if (!author || author.followerCount >= this.deps.celebrityFollowers) return 0;
    let added = 0;
    for (let after = '0'; ;) {
      const batch = await this.repo.followers(author.ownerId, after, FANOUT_BATCH);
      if (batch.length > 0) added += await this.deps.store.fanOut(batch, photoId);
      if (batch.length < FANOUT_BATCH) return added;
      after = batch[batch.length - 1]!;
    }
  }

  /** A ready timeline slice, rebuilding a missing one first; null when the database must answer. */
  private async slice(
    userId: string,
    before: string | undefined,
    limit: number,
  ): Promise<TimelineSlice | null> {
    const store = this.deps.store;
    const first = await this.guard(() => store.read(userId, before, limit));
    if (!first || first.state === 'building') return null;
    if (first.state === 'ready') return first;
    const token = await this.guard(() => store.beginBuild(userId, BUILD_MS));
    if (!token) return null;
    const ids = await this.repo.rebuild(userId, this.deps.length ?? TIMELINE_LENGTH);
    if (!(await this.guard(() => store.finishBuild(userId, token, ids)))) return null;
    this.deps.onOutcome?.('rebuilt');
    const built = await this.guard(() => store.read(userId, before, limit));
    return built?.state === 'ready' ? built : null;
  }

  /** A store call whose failure means "read the database", never a failed request. */
  private async guard<T>(call: () => Promise<T>): Promise<T | null> {
    try {
      return await call();
    } catch (err) {
      this.deps.onOutcome?.('store_error');
      this.deps.onStoreError?.(err);
      return null;
    }
  }

  private outcome<T>(outcome: TimelineOutcome, value: T): T {
    this.deps.onOutcome?.(outcome);
    return value;
  }
}
