export * from './errors.ts';
export * from './services.ts';
export * from './migrations.ts';
export * as schema from './db/schema.ts';
export * from './shared/pagination.ts';
export { AccountServiceImpl, type AccountServiceDeps } from './accounts/account.service.ts';
export { LoginThrottle } from './accounts/login-throttle.ts';
export { databaseLimiterStore, type LimiterStore, type LimiterSpec } from './limits/limiter-store.ts';
export * from './limits/limit-settings.ts';
export { RateLimits, RateLimitedError } from './limits/rate-limits.ts';
export { UserServiceImpl, type UserServiceDeps } from './users/user.service.ts';
export {
  NotificationServiceImpl,
  NotifierImpl,
  type NotificationDeps,
  type NotifierDeps,
} from './notifications/notification.service.ts';
export { EventServiceImpl, type EventServiceDeps, userChannel } from './events/event.service.ts';
export {
  MemoryPresence,
  RedisPresence,
  everyoneOnline,
  type Presence,
  type RedisPresenceOptions,
} from './events/presence.ts';
export { PostAnnouncer, type Announced } from './events/post-announcer.ts';
export { PhotoServiceImpl, type PhotoServiceDeps } from './photos/photo.service.ts';
export * from './jobs/jobs.ts';
export { extractTags } from './photos/tags.ts';
export { CommentServiceImpl, type CommentServiceDeps } from './social/comment.service.ts';
export { FeedServiceImpl, type FeedServiceDeps } from './feed/feed.service.ts';
export {
  processImage,
  ImageRejectedError,
  type ProcessedImage,
  type ProcessedVariant,
  type ProcessImageOptions,
} from './media/image-pipeline.ts';
export { createServices, type CoreDeps } from './create-services.ts';
export {
  IdempotencyService,
  IDEMPOTENCY_KEY_PATTERN,
  TAKEOVER_AFTER_MS,
  type IdempotencyStart,
} from './idempotency/idempotency.service.ts';
export { deletionJob, type DeletionRunOptions } from './account-data/deletion.service.ts';
export { EXPORT_TTL_MS, type ExportDownload } from './account-data/export.service.ts';
export { TIMELINE_IDLE_SECONDS, TIMELINE_LENGTH, type TimelineOutcome } from './feed/timeline.feed.ts';
