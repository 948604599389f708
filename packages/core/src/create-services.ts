import {
  noCache,
  type BlobStore,
  type Db,
  type Mailer,
  type MetricsHistory,
  type PubSub,
  type ReadCache,
  type TimelineStore,
} from '@graminsta/platform';
import type { JobQueue } from './jobs/jobs.ts';
import { AccountServiceImpl } from './accounts/account.service.ts';
import { CredentialServiceImpl } from './accounts/credential.service.ts';
import { LoginThrottle } from './accounts/login-throttle.ts';
import { ModerationServiceImpl } from './moderation/moderation.service.ts';
import { ReportServiceImpl } from './moderation/report.service.ts';
import { OpsServiceImpl } from './ops/ops.service.ts';
import { MailRequests } from './accounts/mail-requests.ts';
import { SessionCache } from './accounts/session-cache.ts';
import { EventServiceImpl } from './events/event.service.ts';
import type { Presence } from './events/presence.ts';
import { FeedServiceImpl } from './feed/feed.service.ts';
import { NotificationServiceImpl, NotifierImpl } from './notifications/notification.service.ts';
import { PhotoServiceImpl } from './photos/photo.service.ts';
import { IdempotencyService } from './idempotency/idempotency.service.ts';
import { databaseLimiterStore, type LimiterStore } from './limits/limiter-store.ts';
import type { LimitSettings } from './limits/limit-settings.ts';
import { RateLimits } from './limits/rate-limits.ts';
import type { Services } from './services.ts';
import { noTimelineHooks, timelineHooks } from './feed/timeline.hooks.ts';
import type { TimelineOutcome } from './feed/timeline.feed.ts';
import { CommentServiceImpl } from './social/comment.service.ts';
import { UserServiceImpl } from './users/user.service.ts';
import { RelationServiceImpl } from './users/relation.service.ts';
import { AccountDataServiceImpl } from './account-data/account-data.service.ts';
import { DeletionService } from './account-data/deletion.service.ts';
import { ExportService } from './account-data/export.service.ts';

export interface CoreDeps {
  db: Db;
  blobs: BlobStore;
  queue: JobQueue;
  pubsub: PubSub;
  /** Cache-aside reads (profiles, posts, relations); none unless given. */
  cache?: ReadCache;
  /** TIMELINES=on: materialised home timelines (hybrid fan-out); the feed is one query without. */
  timelines?: {
    store: TimelineStore;
    /** FEED_CELEBRITY_FOLLOWERS */
    celebrityFollowers: number;
    onOutcome?: (outcome: TimelineOutcome) => void;
    /** Redis failing under a read (the feed used the database): the server logs it, throttled. */
    onStoreError?: (err: unknown) => void;
  };
  maxImagePixels: number;
  /** Declared upload bytes one account may have in flight. */
  uploadQuotaBytes?: number;
  /** The rate limits in force (limitSettings), or null for none. */
  limits: LimitSettings | null;
  /** Where limit counters live; the database unless given (stage 6: Redis). */
  limiterStore?: LimiterStore;
  /** Failures after a commit (a live event that could not be pushed); the write stands. */
  onBackgroundError?: (err: unknown) => void;
  mailer: Mailer;
  /** Where the web client is served: the base of mailed links. */
  webUrl: () => string;
  /** Who holds a live socket (post.new goes to online followers only); everyone when not given. */
  presence?: Presence;
  /** PROMETHEUS_URL: where the operations page reads its charts; none without monitoring. */
  metricsHistory?: MetricsHistory;
}

/** Wires the services together; each gets only the narrow deps it needs. */
export function createServices(deps: CoreDeps): Services {
  const { db, blobs, queue, pubsub } = deps;
  const cache = deps.cache ?? noCache;
  const events = new EventServiceImpl({
    db,
    pubsub,
    presence: deps.presence,
    onError: deps.onBackgroundError,
  });
  const timelines = deps.timelines
    ? timelineHooks({ store: deps.timelines.store, queue, onError: deps.onBackgroundError })
    : noTimelineHooks;
  const limiterStore = deps.limiterStore ?? databaseLimiterStore(db);
  const loginThrottle = deps.limits && new LoginThrottle(limiterStore, deps.limits.login);
  const notifier = new NotifierImpl({ db, blobs, events, onError: deps.onBackgroundError });
  const users = new UserServiceImpl({
    db,
    notifier,
    cache,
    onBackgroundError: deps.onBackgroundError,
    timelines,
  });
  const photos = new PhotoServiceImpl({
    db,
    blobs,
    queue,
    notifier,
    events,
    maxImagePixels: deps.maxImagePixels,
    uploadQuotaBytes: deps.uploadQuotaBytes,
    timelines,
    cache,
    onBackgroundError: deps.onBackgroundError,
  });
  const comments = new CommentServiceImpl({ db, notifier, cache, onBackgroundError: deps.onBackgroundError });
  const mails = new MailRequests(queue, deps.onBackgroundError);
  // One per process: authentication reads it, every path that ends sessions revokes through it.
  const sessionCache = new SessionCache({ pubsub, onError: deps.onBackgroundError });
  const revocations = sessionCache;
  return {
    idempotency: new IdempotencyService({ db }),
    accounts: new AccountServiceImpl({
      db,
      blobs,
      loginThrottle,
      notifier,
      mails,
      sessionCache,
      timelines,
      cache,
    }),
    users,
    photos,
    comments,
    feed: new FeedServiceImpl({
      db,
      blobs,
      timelines: deps.timelines,
    }),
    notifications: new NotificationServiceImpl({ db, blobs }),
    events,
    limits: new RateLimits(limiterStore, deps.limits),
    relations: new RelationServiceImpl({
      db,
      notifier,
      cache,
      onBackgroundError: deps.onBackgroundError,
      timelines,
    }),
    accountData: new AccountDataServiceImpl(
      new ExportService({ db, blobs, queue, notifier }),
      new DeletionService({ db, blobs, queue, revocations, cache }),
    ),
    reports: new ReportServiceImpl({ db, photos, users }),
    moderation: new ModerationServiceImpl({ db, blobs, notifier, photos, comments, revocations, cache }),
    credentials: new CredentialServiceImpl({
      db,
      mailer: deps.mailer,
      mails,
      webUrl: deps.webUrl,
      limiterStore: deps.limits && limiterStore,
      revocations,
    }),
    ops: new OpsServiceImpl({ db, history: deps.metricsHistory }),
  };
}
