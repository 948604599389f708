/**
 * The shape of the service layer as the API, realtime gateway and worker see it.
 * Routes validate against the contracts, call one method here, and map the result.
 */
import type {
  Comment,
  CreatePhotoBody,
  CreateUploadBody,
  FollowState,
  LikeState,
  NotificationType,
  SaveState,
  Page,
  PageQuery,
  PatchMeBody,
  PatchPhotoBody,
  Photo,
  Profile,
  Me,
  SessionResponse,
  SignUpBody,
  LogInBody,
  UploadTarget,
  UserEvent,
  UserSummary,
  Notification,
  EventType,
  EventData,
  CompletedUpload,
  SignPartsBody,
  UploadParts,
  BlockState,
  MuteState,
  FollowRequestDecision,
  CreateReportBody,
  Report,
  ReportPage,
  ReportQuery,
  ResolveReportBody,
  Role,
} from '@graminsta/contracts';
import type { Unsubscribe } from '@graminsta/platform';
import type { ChangePasswordBody, DeviceSessionList } from '@graminsta/contracts';
import type { Db } from '@graminsta/platform';
import type { IdempotencyService } from './idempotency/idempotency.service.ts';
import type { RateLimits } from './limits/rate-limits.ts';
import type { AccountDeletion, AccountExport, LatestExport } from '@graminsta/contracts';
import type { OpsCharts, OpsWindow } from '@graminsta/contracts';
import type { DeletionRunOptions } from './account-data/deletion.service.ts';
import type { ExportDownload } from './account-data/export.service.ts';

export interface RequestContext {
  /** Client address, for per-IP rate limits. */
  ip: string;
  /** The client's User-Agent, named in the devices list of the session it starts. */
  client?: string;
}

export interface AccountService {
  signUp(input: SignUpBody, ctx: RequestContext): Promise<SessionResponse>;
  /** Failures slowed per address and per account-and-address: RateLimitedError. */
  logIn(input: LogInBody, ctx: RequestContext): Promise<SessionResponse>;
  logOut(token: string): Promise<void>;
  /** The signed-in user's id for a token, or null when unknown, expired or revoked. */
  authenticate(token: string): Promise<string | null>;
  getMe(userId: string): Promise<Me>;
  updateMe(userId: string, patch: PatchMeBody): Promise<Me>;
  /** Housekeeping: deletes expired sessions and old rate-limit windows. */
  pruneExpired(): Promise<{ sessions: number; rateLimits: number }>;
}

export interface UserService {
  getProfile(username: string, viewerId: string | null): Promise<Profile>;
  followers(username: string, viewerId: string | null, page: PageQuery): Promise<Page<UserSummary>>;
  following(username: string, viewerId: string | null, page: PageQuery): Promise<Page<UserSummary>>;
  follow(viewerId: string, username: string): Promise<FollowState>;
  unfollow(viewerId: string, username: string): Promise<FollowState>;
  search(q: string, viewerId: string | null, page: PageQuery): Promise<Page<UserSummary>>;
}

/** Follow requests as their owner sees them, blocks and mutes (the write side). */
export interface RelationService {
  listFollowRequests(ownerId: string, page: PageQuery): Promise<Page<UserSummary>>;
  /** The requester becomes a follower (counters in the same transaction) and is told. */
  acceptFollowRequest(ownerId: string, username: string): Promise<FollowRequestDecision>;
  declineFollowRequest(ownerId: string, username: string): Promise<FollowRequestDecision>;
  /** Idempotent; ends follows and pending requests both ways. */
  block(blockerId: string, username: string): Promise<BlockState>;
  unblock(blockerId: string, username: string): Promise<BlockState>;
  mute(muterId: string, username: string): Promise<MuteState>;
  unmute(muterId: string, username: string): Promise<MuteState>;
}

export interface PhotoService {
  createUpload(userId: string, input: CreateUploadBody): Promise<UploadTarget>;
  /** MULTIPART uploads: part URLs (and the parts already received, to resume). */
  signUploadParts(userId: string, uploadId: string, body: SignPartsBody): Promise<UploadParts>;
  /** MULTIPART uploads: joins the parts once every one is there with its size. */
  completeUpload(userId: string, uploadId: string): Promise<CompletedUpload>;
  createPhoto(userId: string, input: CreatePhotoBody): Promise<Photo>;
  getPhoto(photoId: string, viewerId: string | null): Promise<Photo>;
  /** The owner's edit: caption (tags and mentions follow it), alt texts, order of the items. */
  editPhoto(userId: string, photoId: string, patch: PatchPhotoBody): Promise<Photo>;
  deletePhoto(userId: string, photoId: string): Promise<void>;
  /** A moderator's removal (no owner check): `inTransaction` commits with it, even when the post is gone. */
  removePhoto(photoId: string, inTransaction: (tx: Db) => Promise<void>): Promise<void>;
  listByUser(username: string, viewerId: string | null, page: PageQuery): Promise<Page<Photo>>;
  like(userId: string, photoId: string): Promise<LikeState>;
  unlike(userId: string, photoId: string): Promise<LikeState>;
  /** Bookmarks of posts the user may see; private to the user. */
  save(userId: string, photoId: string): Promise<SaveState>;
  unsave(userId: string, photoId: string): Promise<SaveState>;
  listSaved(userId: string, page: PageQuery): Promise<Page<Photo>>;
  /** Worker job: decode, check, strip, write variants; photo → ready or failed. */
  processPhoto(photoId: string): Promise<void>;
  /** Re-enqueues photos left in `processing` (after a crash of an in-process queue). */
  requeueStuck(): Promise<number>;
  /**
   * Storage role: claims the upload target at `key` for bytes already on disk and runs
   * `commitBytes` (moving them into place) before the claim commits. AppError('conflict') when
   * the target was used, is bound to a photo, expired, or never existed.
   */
  receiveUpload(key: string, commitBytes: () => Promise<void>): Promise<void>;
  /** Housekeeping: removes unused uploads past their expiry, rows and bytes; returns how many. */
  pruneExpiredUploads(now?: Date): Promise<number>;
}

export interface CommentService {
  /** Not found when the photo is, or is not visible to the viewer (null: anonymous). */
  list(photoId: string, viewerId: string | null, page: PageQuery): Promise<Page<Comment>>;
  create(userId: string, photoId: string, body: string): Promise<Comment>;
  delete(userId: string, commentId: string): Promise<void>;
  /** A moderator's removal (no author check): `inTransaction` commits with it, even when the comment is gone. */
  remove(commentId: string, inTransaction: (tx: Db) => Promise<void>): Promise<void>;
}

export interface FeedService {
  home(userId: string, page: PageQuery): Promise<Page<Photo>>;
  explore(viewerId: string | null, page: PageQuery): Promise<Page<Photo>>;
  tag(tag: string, viewerId: string | null, page: PageQuery): Promise<Page<Photo>>;
  /** Job `timeline.fanout`: a ready post into its author's followers' home timelines (TIMELINES=on). */
  fanOut(photoId: string): Promise<void>;
  /** Job `timeline.drop`: home timelines whose drop failed while Redis was away. */
  dropTimelines(userIds: string[]): Promise<void>;
}

export interface NotificationService {
  list(userId: string, page: PageQuery): Promise<Page<Notification> & { unreadCount: number }>;
  markRead(userId: string, upTo?: string): Promise<{ unreadCount: number }>;
}

export interface NotificationInput {
  recipientId: string;
  actorId: string;
  type: NotificationType;
  photoId?: string;
  commentId?: string;
  /** The report (report_resolved) or export (export_ready) it is about. */
  subjectId?: string;
}

export interface MentionInput {
  actorId: string;
  text: string;
  photoId: string;
  commentId?: string;
  /** A user told of this text otherwise (the post’s owner, of a comment on it): no mention for them. */
  alreadyNotified?: string;
}

/** Used by other services inside their own transactions, so counters and notifications commit together. */
export interface Notifier {
  /** Records a notification (none when actor = recipient); returns its id or null. */
  record(tx: Db, input: NotificationInput): Promise<string | null>;
  /** Deletes matching notifications (an unlike retracts the like notification). */
  retract(tx: Db, input: NotificationInput): Promise<void>;
  /**
   * Records a `mention` for each existing user `@named` in `text` (never the actor; at most once per
   * post, or per comment when `commentId` is given, however often the text is edited). Returns the
   * ids of the new notifications, to announce after commit.
   */
  mention(tx: Db, input: MentionInput): Promise<string[]>;
  /** Deletes every notification a comment caused: its owner's `comment` and the mentions in it. */
  retractComment(tx: Db, comment: { id: string; photoId: string }): Promise<void>;
  /** After commit: publishes the `notification` event for a recorded notification. */
  announce(notificationId: string): Promise<void>;
}

export interface EventService {
  /**
   * Stores the event in the user's log (kept ≥ 24 h) and publishes it on pub/sub. The contracts'
   * union ties `data` to `type`: a `photo.ready` without its photo does not compile.
   */
  publish<T extends EventType>(userId: string, type: T, data: EventData<T>): Promise<UserEvent>;
  /** Every kept event after `lastEventId`, oldest first. */
  since(userId: string, lastEventId: string): Promise<UserEvent[]>;
  /**
   * Live events for one user, from any instance. `frame`, when given, is the event's JSON text,
   * built once for a fan-out (the socket sends it as is).
   */
  subscribe(userId: string, onEvent: (event: UserEvent, frame?: string) => void): Promise<Unsubscribe>;
  /** Deletes events older than the retention period. */
  prune(): Promise<number>;
  /** Job `post.announce`: `post.new` to the author's online followers, in batches. */
  announcePost(photoId: string): Promise<{ followers: number; sent: number }>;
}

export interface AccountDataService {
  /** A zip of the account's data is prepared by a job; a request while one is pending answers it. */
  requestExport(userId: string): Promise<AccountExport>;
  latestExport(userId: string): Promise<LatestExport>;
  /** The owner's ready zip as a stream; not found for anybody else, gone once expired. */
  downloadExport(userId: string, exportId: string): Promise<ExportDownload>;
  /** Worker job: writes the zip, marks the export ready, notifies its owner. */
  buildExport(exportId: string): Promise<void>;
  /** The export job was given up. */
  failExport(exportId: string): Promise<void>;
  /** Housekeeping: removes expired zips and their rows. */
  pruneExports(): Promise<number>;
  /** Checks the password; hides the account and ends its sessions at once; books the deletion job. */
  deleteAccount(userId: string, password: string): Promise<AccountDeletion>;
  /** Worker job: removes every row and object of the account, in resumable batches. */
  runDeletion(userId: string, opts?: DeletionRunOptions): Promise<void>;
  /** Housekeeping: books the deletion job again for accounts not yet gone. */
  resumeDeletions(): Promise<number>;
}

export interface ReportService {
  /**
   * Files a report of something the reporter can see (not found otherwise; bad_request for their
   * own). While the reporter's earlier report of the same target is open, answers that one.
   */
  create(reporterId: string, body: CreateReportBody): Promise<Report>;
}

export interface ModerationService {
  /** The queue, oldest first, each report with its content in context. Moderators only. */
  list(moderatorId: string, query: ReportQuery): Promise<ReportPage>;
  /**
   * Dismisses, removes the content, or suspends its owner; closes every open report on the target
   * (on the owner, for a suspension), logs the action and tells the reporters. Moderators only;
   * conflict when the report is already closed.
   */
  resolve(moderatorId: string, reportId: string, body: ResolveReportBody): Promise<Report>;
  /** `graminsta admin grant|revoke`: sets an account's role; not found when there is no such account. */
  setRole(username: string, role: Role): Promise<{ id: string; username: string }>;
}

/** E-mail address and its verification, password reset and change, signed-in devices. */
export interface CredentialService {
  /** The address starts unverified and a verification link is mailed; email_taken when another account has it. */
  changeEmail(userId: string, email: string): Promise<Me>;
  /** Spends a verification token; gone when used, expired, or for an address the account no longer has. */
  verifyEmail(token: string): Promise<void>;
  /** Mails a reset link if an account has the address; the caller learns nothing either way. */
  requestPasswordReset(email: string, ctx: RequestContext): Promise<void>;
  /** Spends a reset token (gone when used or expired), sets the password, ends every session. */
  resetPassword(token: string, password: string): Promise<void>;
  /** forbidden when the current password is wrong; ends every session but the caller's. */
  changePassword(userId: string, sessionToken: string, body: ChangePasswordBody): Promise<void>;
  listSessions(userId: string, sessionToken: string): Promise<DeviceSessionList>;
  /** Ends one of the user's sessions at once; not_found for anyone else's. */
  endSession(userId: string, sessionId: string): Promise<void>;
  /** Worker job: makes a fresh link token and mails it (nothing secret ever waits in the queue). */
  deliver(job: { userId: string; purpose: 'verify' | 'reset' }): Promise<void>;
  /** Housekeeping: drops spent and expired link tokens. */
  pruneTokens(): Promise<number>;
}

/** The operations page: live metrics, read from Prometheus. */
export interface OpsService {
  /** The fixed charts over `window`; moderators only; monitoring_off without Prometheus, monitoring_unreachable when it fails. */
  charts(userId: string, window: OpsWindow): Promise<OpsCharts>;
}

export interface Services {
  idempotency: IdempotencyService;
  accounts: AccountService;
  users: UserService;
  photos: PhotoService;
  comments: CommentService;
  feed: FeedService;
  notifications: NotificationService;
  events: EventService;
  /** Per-account and per-address budgets of the limited actions, shared by every instance. */
  limits: RateLimits;
  relations: RelationService;
  accountData: AccountDataService;
  reports: ReportService;
  moderation: ModerationService;
  credentials: CredentialService;
  ops: OpsService;
}
