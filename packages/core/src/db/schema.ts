import { sql } from 'drizzle-orm';
import {
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { NOTIFICATION_TYPES, REPORT_STATUSES, REPORT_TARGET_TYPES } from '@graminsta/contracts';

/**
 * 64-bit time-ordered ids made by the database function graminsta_next_id(shard):
 * 41 bits of milliseconds since 2026-01-01, 13 bits of shard number (0 until stage 7),
 * 10 bits of a per-database sequence. Carried as decimal strings in TypeScript.
 */
export const id = customType<{ data: string; driverData: string | bigint | number }>({
  dataType: () => 'bigint',
  fromDriver: (v) => String(v),
  toDriver: (v) => v,
});

const pk = () =>
  id('id')
    .primaryKey()
    .default(sql`graminsta_next_id(0)`);
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => ts('created_at').notNull().defaultNow();

export const users = pgTable(
  'users',
  {
    id: pk(),
    username: text('username').notNull(),
    displayName: text('display_name').notNull().default(''),
    bio: text('bio').notNull().default(''),
    avatarPhotoId: id('avatar_photo_id'),
    avatarUrl: text('avatar_url'),
    passwordHash: text('password_hash').notNull(),
    followerCount: integer('follower_count').notNull().default(0),
    followingCount: integer('following_count').notNull().default(0),
    photoCount: integer('photo_count').notNull().default(0),
    /** Posts, followers and following are shown to accepted followers only. */
    private: boolean('private').notNull().default(false),
    role: text('role', { enum: ['user', 'moderator'] })
      .notNull()
      .default('user'),
    /** Set by a moderator: the account cannot sign in and its content is gone from every list. */
    suspendedAt: ts('suspended_at'),
    /** Set when the owner asks for deletion: hidden and signed out at once, removed by a job. */
    deletedAt: ts('deleted_at'),
    email: text('email'),
    emailVerifiedAt: ts('email_verified_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('users_email_lower_key')
      .on(sql`lower(${t.email})`)
      .where(sql`${t.email} is not null`),
    uniqueIndex('users_username_lower_key').on(sql`lower(${t.username})`),
    // Prefix search on usernames: text_pattern_ops lets LIKE 'abc%' use the index.
    index('users_username_prefix_idx').on(sql`lower(${t.username}) text_pattern_ops`),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    id: pk(),
    userId: id('user_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: createdAt(),
    expiresAt: ts('expires_at').notNull(),
    /** Touched at most once a minute by authenticated requests: the devices list shows it. */
    lastUsedAt: ts('last_used_at').notNull().defaultNow(),
    /** The client that signed in (its User-Agent, cut short), for the devices list. */
    client: text('client').notNull().default(''),
  },
  (t) => [uniqueIndex('sessions_token_hash_key').on(t.tokenHash), index('sessions_user_idx').on(t.userId)],
);

export const follows = pgTable(
  'follows',
  {
    followerId: id('follower_id').notNull(),
    followeeId: id('followee_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.followerId, t.followeeId] }),
    index('follows_followee_idx').on(t.followeeId, t.followerId),
    // Follower lists page newest follow first: without this a celebrity's list sorts every follower.
    index('follows_followee_time_idx').on(t.followeeId, t.createdAt, t.followerId),
  ],
);

export const uploads = pgTable(
  'uploads',
  {
    id: pk(),
    ownerId: id('owner_id').notNull(),
    key: text('key').notNull(),
    contentType: text('content_type').notNull(),
    maxBytes: integer('max_bytes').notNull(),
    expiresAt: ts('expires_at').notNull(),
    photoId: id('photo_id'),
    /** Set when the storage role accepted the bytes: a signed target takes them once. */
    receivedAt: ts('received_at'),
    /** The object store's id of a MULTIPART upload (its parts join at completion). */
    multipartId: text('multipart_id'),
    /** The object's ETag when a photo took it: the worker reads exactly those bytes or none. */
    etag: text('etag'),
    createdAt: createdAt(),
  },
  (t) => [
    index('uploads_owner_idx').on(t.ownerId),
    // The storage role finds the row by the key it was sent to.
    uniqueIndex('uploads_key_idx').on(t.key),
    // Housekeeping looks for unused uploads past their expiry.
    index('uploads_unused_expiry_idx')
      .on(t.expiresAt)
      .where(sql`photo_id is null`),
  ],
);

const photoStatus = (name: string) =>
  text(name, { enum: ['processing', 'ready', 'failed'] })
    .notNull()
    .default('processing');

/** A post: its caption and counters. Its photos, in order, are rows of photo_media. */
export const photos = pgTable(
  'photos',
  {
    id: pk(),
    ownerId: id('owner_id').notNull(),
    caption: text('caption').notNull().default(''),
    /** ready when every item is; failed as soon as one item fails (the reason names it). */
    status: photoStatus('status'),
    failureReason: text('failure_reason'),
    likeCount: integer('like_count').notNull().default(0),
    commentCount: integer('comment_count').notNull().default(0),
    createdAt: createdAt(),
    /** Set when the owner edits the caption, an alt text or the order. */
    editedAt: ts('edited_at'),
  },
  (t) => [
    index('photos_owner_idx').on(t.ownerId, t.id.desc()),
    index('photos_ready_idx')
      .on(t.id.desc())
      .where(sql`${t.status} = 'ready'`),
  ],
);

/** One photo of a post, at `position` (0 first); the first item is the post's cover. */
export const photoMedia = pgTable(
  'photo_media',
  {
    id: pk(),
    photoId: id('photo_id').notNull(),
    ownerId: id('owner_id').notNull(),
    position: integer('position').notNull(),
    altText: text('alt_text').notNull().default(''),
    status: photoStatus('status'),
    failureReason: text('failure_reason'),
    /** The uploaded original, until processed (then deleted). */
    sourceKey: text('source_key').notNull(),
    variants: jsonb('variants').$type<Record<string, { key: string; width: number; height: number }>>(),
    placeholderColor: text('placeholder_color'),
    width: integer('width'),
    height: integer('height'),
    createdAt: createdAt(),
  },
  (t) => [index('photo_media_photo_idx').on(t.photoId, t.position)],
);

export const photoTags = pgTable(
  'photo_tags',
  {
    tag: text('tag').notNull(),
    photoId: id('photo_id').notNull(),
    ownerId: id('owner_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tag, t.photoId] }), index('photo_tags_photo_idx').on(t.photoId)],
);

export const likes = pgTable(
  'likes',
  {
    photoId: id('photo_id').notNull(),
    userId: id('user_id').notNull(),
    photoOwnerId: id('photo_owner_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.photoId, t.userId] }), index('likes_user_idx').on(t.userId)],
);

/** Bookmarks: private to `userId`, paged newest save first. */
export const saves = pgTable(
  'saves',
  {
    id: pk(),
    userId: id('user_id').notNull(),
    photoId: id('photo_id').notNull(),
    photoOwnerId: id('photo_owner_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('saves_user_photo_idx').on(t.userId, t.photoId),
    index('saves_user_idx').on(t.userId, t.id.desc()),
    // Deleting a post deletes its saves.
    index('saves_photo_idx').on(t.photoId),
  ],
);

export const comments = pgTable(
  'comments',
  {
    id: pk(),
    photoId: id('photo_id').notNull(),
    photoOwnerId: id('photo_owner_id').notNull(),
    authorId: id('author_id').notNull(),
    body: text('body').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('comments_photo_idx').on(t.photoId, t.id),
    // Deleting an account finds its comments on others' posts by author.
    index('comments_author_idx').on(t.authorId),
  ],
);

export const notifications = pgTable(
  'notifications',
  {
    id: pk(),
    userId: id('user_id').notNull(),
    type: text('type', { enum: NOTIFICATION_TYPES }).notNull(),
    actorId: id('actor_id').notNull(),
    photoId: id('photo_id'),
    commentId: id('comment_id'),
    /** The report (report_resolved) or export (export_ready) the notification is about. */
    subjectId: id('subject_id'),
    readAt: ts('read_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('notifications_user_idx').on(t.userId, t.id.desc()),
    // Deleting an account removes what it caused in others' lists, found by actor.
    index('notifications_actor_idx').on(t.actorId),
    // Mentions go to other users than the photo's owner: deleting a post finds them by photo.
    index('notifications_photo_idx').on(t.photoId),
    // A caption or comment mentions a user once, however often it is edited.
    uniqueIndex('notifications_mention_once_idx')
      .on(t.userId, t.photoId, sql`coalesce(${t.commentId}, 0)`)
      .where(sql`${t.type} = 'mention'`),
  ],
);

/** Per-user event log behind the /ws socket: a reconnecting client resumes from its last id. */
export const userEvents = pgTable(
  'user_events',
  {
    id: pk(),
    userId: id('user_id').notNull(),
    type: text('type').notNull(),
    data: jsonb('data').notNull().$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [index('user_events_user_idx').on(t.userId, t.id)],
);

/**
 * Rate-limit counters shared by every instance (stages 1–5), in the shape rate-limiter-flexible's
 * RateLimiterDrizzle reads and writes: one row per key, its points and when they expire.
 */
export const rateLimits = pgTable(
  'rate_limits',
  {
    key: text('key').primaryKey(),
    points: integer('points').notNull(),
    expire: ts('expire'),
  },
  (t) => [index('rate_limits_expire_idx').on(t.expire)],
);

// The queue's table lives with PostgresQueue; listed here so drizzle-kit makes its migrations.
export { jobs } from '@graminsta/platform/queue/jobs.table';

/** Results of POSTs sent with an Idempotency-Key: a retry gets the first answer, applied once. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: id('user_id').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code'),
    responseBody: text('response_body'),
    /** Which try holds the key now: a retry of a try that died mid-way takes over with a new one. */
    attempt: text('attempt').notNull().default(''),
    claimedAt: ts('claimed_at').notNull().defaultNow(),
    /** Set inside the write's own transaction: once set, the write has happened and never runs again. */
    appliedAt: ts('applied_at'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
);

/** A request to follow a private account, until its owner accepts (a follows row) or declines. */
export const followRequests = pgTable(
  'follow_requests',
  {
    requesterId: id('requester_id').notNull(),
    targetId: id('target_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.targetId, t.requesterId] }),
    index('follow_requests_requester_idx').on(t.requesterId),
  ],
);

/** `blockerId` blocked `blockedId`: neither sees the other, and the blocked cannot reach the blocker. */
export const blocks = pgTable(
  'blocks',
  {
    blockerId: id('blocker_id').notNull(),
    blockedId: id('blocked_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.blockerId, t.blockedId] }),
    index('blocks_blocked_idx').on(t.blockedId, t.blockerId),
  ],
);

/** `muterId` muted `mutedId`: hidden from the muter's feed and notifications only. */
export const mutes = pgTable(
  'mutes',
  {
    muterId: id('muter_id').notNull(),
    mutedId: id('muted_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.muterId, t.mutedId] }), index('mutes_muted_idx').on(t.mutedId)],
);

/** A user's report of a photo, comment or account, open until a moderator resolves it. */
export const reports = pgTable(
  'reports',
  {
    id: pk(),
    reporterId: id('reporter_id').notNull(),
    targetType: text('target_type', { enum: REPORT_TARGET_TYPES }).notNull(),
    targetId: id('target_id').notNull(),
    /** The account the reported content belongs to (the user itself, for a user report). */
    targetOwnerId: id('target_owner_id').notNull(),
    reason: text('reason').notNull(),
    status: text('status', { enum: REPORT_STATUSES }).notNull().default('open'),
    resolvedAt: ts('resolved_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('reports_open_idx')
      .on(t.id)
      .where(sql`${t.status} = 'open'`),
    index('reports_reporter_idx').on(t.reporterId),
    index('reports_target_idx').on(t.targetType, t.targetId),
  ],
);

/** The moderation log: every action, who took it and why. Kept when the content is gone. */
export const moderationActions = pgTable(
  'moderation_actions',
  {
    id: pk(),
    reportId: id('report_id'),
    moderatorId: id('moderator_id').notNull(),
    action: text('action', { enum: ['dismiss', 'remove', 'suspend'] }).notNull(),
    targetType: text('target_type', { enum: REPORT_TARGET_TYPES }).notNull(),
    targetId: id('target_id').notNull(),
    reason: text('reason').notNull().default(''),
    createdAt: createdAt(),
  },
  (t) => [
    index('moderation_actions_report_idx').on(t.reportId),
    index('moderation_actions_target_idx').on(t.targetId),
  ],
);

/**
 * Single-use tokens mailed to a user (address verification, password reset): only their SHA-256
 * is kept; `usedAt` is set by the one request that spends it.
 */
export const emailTokens = pgTable(
  'email_tokens',
  {
    id: pk(),
    userId: id('user_id').notNull(),
    purpose: text('purpose', { enum: ['verify', 'reset'] }).notNull(),
    tokenHash: text('token_hash').notNull(),
    /** The address the token was sent to: verifying it verifies that address only. */
    email: text('email').notNull(),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('email_tokens_hash_key').on(t.tokenHash), index('email_tokens_user_idx').on(t.userId)],
);

/** An account export: prepared by a job into a zip under `key`, downloadable until `expiresAt`. */
export const accountExports = pgTable(
  'account_exports',
  {
    id: pk(),
    userId: id('user_id').notNull(),
    status: text('status', { enum: ['pending', 'ready', 'failed'] })
      .notNull()
      .default('pending'),
    key: text('key'),
    size: integer('size'),
    expiresAt: ts('expires_at'),
    createdAt: createdAt(),
  },
  (t) => [index('account_exports_user_idx').on(t.userId, t.id.desc())],
);
