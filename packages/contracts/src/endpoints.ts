import type { z } from 'zod';
import { Ok, PageQuery, page } from './common.ts';
import type { LimitedAction } from './limits.ts';
import { AccountDeletion, AccountExport, DeleteMeBody, LatestExport } from './account-data.ts';
import {
  ChangeEmailBody,
  ChangePasswordBody,
  DeviceSessionList,
  PasswordResetBody,
  PasswordResetRequestBody,
  SessionIdParams,
  TokenParams,
} from './credentials.ts';
import {
  CompletedUpload,
  CreatePhotoBody,
  CreateUploadBody,
  LikeState,
  PatchPhotoBody,
  Photo,
  PhotoParams,
  SaveState,
  SignPartsBody,
  TagParams,
  UploadParts,
  UploadTarget,
} from './photos.ts';
import { BlockState, FollowRequestDecision, MuteState } from './relations.ts';
import {
  Comment,
  CommentParams,
  CreateCommentBody,
  FollowState,
  MarkReadBody,
  NotificationPage,
  UnreadCount,
} from './social.ts';
import {
  CreateReportBody,
  Report,
  ReportPage,
  ReportParams,
  ReportQuery,
  ResolveReportBody,
} from './reports.ts';
import { OpsCharts, OpsQuery } from './ops.ts';
import {
  CurrentSession,
  LogInBody,
  Me,
  PatchMeBody,
  Profile,
  SearchQuery,
  SessionResponse,
  SignUpBody,
  UserSummary,
  UsernameParams,
} from './users.ts';

/** Whether the caller must be signed in ('required'), may be ('optional'), or is not looked at. */
export type Auth = 'required' | 'optional' | 'none';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One operation of the HTTP API, everything about it in one place: the server registers its
 * route from this, the OpenAPI document describes it from this, and the SDK's method is derived
 * from this.
 */
export interface Endpoint {
  method: HttpMethod;
  /** The full path, Fastify style: `/api/v1/users/:username`. */
  path: string;
  operationId: string;
  summary: string;
  /** The OpenAPI tag it is listed under. */
  tag: 'accounts' | 'users' | 'photos' | 'feed' | 'notifications' | 'moderation';
  auth: Auth;
  /** The limit it counts against, per account and per client address. */
  rateLimit?: LimitedAction;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The success status and what it answers with. */
  status: 200 | 201 | 202;
  response: z.ZodType;
  /**
   * Error statuses this operation answers beyond those any operation of its kind can (those
   * follow from method, input, auth and rate limit), with why.
   */
  errors?: Partial<Record<403 | 404 | 409 | 410 | 502 | 503, string>>;
}

const endpoint = <E extends Endpoint>(e: E): E => e;

/**
 * An endpoint's path with each `:name` parameter replaced by `value(name)`: how the SDK fills in
 * a URL and the OpenAPI document writes `{name}`, from the one spelling the table uses.
 */
export function fillPath(path: string, value: (name: string) => string): string {
  return path.replace(/:([A-Za-z_]+)/g, (_, name: string) => value(name));
}

const V1 = '/api/v1';

/**
 * THE list of the API's operations, keyed by the SDK method that calls each one. Adding an
 * endpoint is one entry here plus its handler on the server (missing it is a type error).
 */
export const endpoints = {
  // Accounts and sessions
  signUp: endpoint({
    method: 'POST',
    path: `${V1}/accounts`,
    operationId: 'postAccounts',
    summary: 'Sign up',
    tag: 'accounts',
    auth: 'none',
    rateLimit: 'signup',
    body: SignUpBody,
    status: 201,
    response: SessionResponse,
    errors: { 409: 'the username is taken' },
  }),
  logIn: endpoint({
    method: 'POST',
    path: `${V1}/sessions`,
    operationId: 'postSessions',
    summary: 'Log in',
    tag: 'accounts',
    auth: 'none',
    rateLimit: 'login',
    body: LogInBody,
    status: 200,
    response: SessionResponse,
  }),
  logOut: endpoint({
    method: 'DELETE',
    path: `${V1}/sessions/current`,
    operationId: 'deleteSessionsCurrent',
    summary: 'Log out',
    tag: 'accounts',
    auth: 'required',
    status: 200,
    response: Ok,
  }),
  getMe: endpoint({
    method: 'GET',
    path: `${V1}/me`,
    operationId: 'getMe',
    summary: 'Own account',
    tag: 'accounts',
    auth: 'required',
    status: 200,
    response: Me,
  }),
  getSession: endpoint({
    method: 'GET',
    path: `${V1}/session`,
    operationId: 'getSession',
    summary: 'Who is signed in, if anyone',
    tag: 'accounts',
    auth: 'optional',
    status: 200,
    response: CurrentSession,
  }),
  updateMe: endpoint({
    method: 'PATCH',
    path: `${V1}/me`,
    operationId: 'patchMe',
    summary: 'Edit own profile',
    tag: 'accounts',
    auth: 'required',
    body: PatchMeBody,
    status: 200,
    response: Me,
  }),

  // Users and follows
  getProfile: endpoint({
    method: 'GET',
    path: `${V1}/users/:username`,
    operationId: 'getUsersByUsername',
    summary: 'Profile',
    tag: 'users',
    auth: 'optional',
    params: UsernameParams,
    status: 200,
    response: Profile,
  }),
  listUserPhotos: endpoint({
    method: 'GET',
    path: `${V1}/users/:username/photos`,
    operationId: 'getUsersByUsernamePhotos',
    summary: "A user's photos",
    tag: 'users',
    auth: 'optional',
    params: UsernameParams,
    query: PageQuery,
    status: 200,
    response: page(Photo),
  }),
  listFollowers: endpoint({
    method: 'GET',
    path: `${V1}/users/:username/followers`,
    operationId: 'getUsersByUsernameFollowers',
    summary: 'Followers',
    tag: 'users',
    auth: 'optional',
    params: UsernameParams,
    query: PageQuery,
    status: 200,
    response: page(UserSummary),
  }),
  listFollowing: endpoint({
    method: 'GET',
    path: `${V1}/users/:username/following`,
    operationId: 'getUsersByUsernameFollowing',
    summary: 'Accounts followed',
    tag: 'users',
    auth: 'optional',
    params: UsernameParams,
    query: PageQuery,
    status: 200,
    response: page(UserSummary),
  }),
  follow: endpoint({
    method: 'PUT',
    path: `${V1}/users/:username/follow`,
    operationId: 'putUsersByUsernameFollow',
    summary: 'Follow',
    tag: 'users',
    auth: 'required',
    rateLimit: 'follow',
    params: UsernameParams,
    status: 200,
    response: FollowState,
    errors: { 409: 'you block this account: unblock it first' },
  }),
  unfollow: endpoint({
    method: 'DELETE',
    path: `${V1}/users/:username/follow`,
    operationId: 'deleteUsersByUsernameFollow',
    summary: 'Unfollow',
    tag: 'users',
    auth: 'required',
    rateLimit: 'follow',
    params: UsernameParams,
    status: 200,
    response: FollowState,
  }),
  searchUsers: endpoint({
    method: 'GET',
    path: `${V1}/search/users`,
    operationId: 'getSearchUsers',
    summary: 'Accounts by username prefix',
    tag: 'users',
    auth: 'optional',
    query: SearchQuery,
    status: 200,
    response: page(UserSummary),
  }),

  // Photos, likes and comments
  createUpload: endpoint({
    method: 'POST',
    path: `${V1}/uploads`,
    operationId: 'postUploads',
    summary: 'Where to send photo bytes',
    tag: 'photos',
    auth: 'required',
    rateLimit: 'upload',
    body: CreateUploadBody,
    status: 201,
    response: UploadTarget,
  }),
  signUploadParts: endpoint({
    method: 'POST',
    path: `${V1}/uploads/:id/parts`,
    operationId: 'postUploadParts',
    summary: 'Where to send parts of a MULTIPART upload, and which parts arrived',
    tag: 'photos',
    auth: 'required',
    rateLimit: 'upload',
    params: PhotoParams,
    body: SignPartsBody,
    status: 200,
    response: UploadParts,
    errors: {
      404: 'no such upload of yours',
      409: 'the upload is not MULTIPART, is complete, used or expired, or a part number is past its last part',
    },
  }),
  completeUpload: endpoint({
    method: 'POST',
    path: `${V1}/uploads/:id/complete`,
    operationId: 'postUploadComplete',
    summary: 'Join the parts of a MULTIPART upload',
    tag: 'photos',
    auth: 'required',
    rateLimit: 'upload',
    params: PhotoParams,
    status: 200,
    response: CompletedUpload,
    errors: {
      404: 'no such upload of yours',
      409: 'a part is missing or of the wrong size, or the upload is not MULTIPART, used or expired',
    },
  }),
  createPhoto: endpoint({
    method: 'POST',
    path: `${V1}/photos`,
    operationId: 'postPhotos',
    summary: 'Create a photo from an upload',
    tag: 'photos',
    auth: 'required',
    rateLimit: 'photo',
    body: CreatePhotoBody,
    status: 202,
    response: Photo,
    errors: { 404: "no such upload of the caller's" },
  }),
  getPhoto: endpoint({
    method: 'GET',
    path: `${V1}/photos/:id`,
    operationId: 'getPhotosById',
    summary: 'One photo',
    tag: 'photos',
    auth: 'optional',
    params: PhotoParams,
    status: 200,
    response: Photo,
  }),
  editPhoto: endpoint({
    method: 'PATCH',
    path: `${V1}/photos/:id`,
    operationId: 'patchPhotosById',
    summary: "Edit own post's caption, alt texts and order",
    tag: 'photos',
    auth: 'required',
    rateLimit: 'photo',
    params: PhotoParams,
    body: PatchPhotoBody,
    status: 200,
    response: Photo,
  }),
  deletePhoto: endpoint({
    method: 'DELETE',
    path: `${V1}/photos/:id`,
    operationId: 'deletePhotosById',
    summary: 'Delete own photo',
    tag: 'photos',
    auth: 'required',
    params: PhotoParams,
    status: 200,
    response: Ok,
  }),
  like: endpoint({
    method: 'PUT',
    path: `${V1}/photos/:id/like`,
    operationId: 'putPhotosByIdLike',
    summary: 'Like',
    tag: 'photos',
    auth: 'required',
    rateLimit: 'like',
    params: PhotoParams,
    status: 200,
    response: LikeState,
  }),
  unlike: endpoint({
    method: 'DELETE',
    path: `${V1}/photos/:id/like`,
    operationId: 'deletePhotosByIdLike',
    summary: 'Unlike',
    tag: 'photos',
    auth: 'required',
    rateLimit: 'like',
    params: PhotoParams,
    status: 200,
    response: LikeState,
  }),
  save: endpoint({
    method: 'PUT',
    path: `${V1}/photos/:id/save`,
    operationId: 'putPhotosByIdSave',
    summary: 'Save (bookmark) a post',
    tag: 'photos',
    auth: 'required',
    rateLimit: 'like',
    params: PhotoParams,
    status: 200,
    response: SaveState,
  }),
  unsave: endpoint({
    method: 'DELETE',
    path: `${V1}/photos/:id/save`,
    operationId: 'deletePhotosByIdSave',
    summary: 'Remove a post from saved',
    tag: 'photos',
    auth: 'required',
    rateLimit: 'like',
    params: PhotoParams,
    status: 200,
    response: SaveState,
  }),
  listSaved: endpoint({
    method: 'GET',
    path: `${V1}/me/saved`,
    operationId: 'getMeSaved',
    summary: 'Own saved posts, newest save first',
    tag: 'photos',
    auth: 'required',
    query: PageQuery,
    status: 200,
    response: page(Photo),
  }),
  listComments: endpoint({
    method: 'GET',
    path: `${V1}/photos/:id/comments`,
    operationId: 'getPhotosByIdComments',
    summary: 'Comments, oldest first',
    tag: 'photos',
    auth: 'optional',
    params: PhotoParams,
    query: PageQuery,
    status: 200,
    response: page(Comment),
  }),
  addComment: endpoint({
    method: 'POST',
    path: `${V1}/photos/:id/comments`,
    operationId: 'postPhotosByIdComments',
    summary: 'Comment',
    tag: 'photos',
    auth: 'required',
    rateLimit: 'comment',
    params: PhotoParams,
    body: CreateCommentBody,
    status: 201,
    response: Comment,
  }),
  deleteComment: endpoint({
    method: 'DELETE',
    path: `${V1}/comments/:id`,
    operationId: 'deleteCommentsById',
    summary: 'Delete a comment',
    tag: 'photos',
    auth: 'required',
    params: CommentParams,
    status: 200,
    response: Ok,
  }),

  // Feeds
  feed: endpoint({
    method: 'GET',
    path: `${V1}/feed`,
    operationId: 'getFeed',
    summary: 'Home feed',
    tag: 'feed',
    auth: 'required',
    query: PageQuery,
    status: 200,
    response: page(Photo),
  }),
  explore: endpoint({
    method: 'GET',
    path: `${V1}/explore`,
    operationId: 'getExplore',
    summary: 'Recent public photos',
    tag: 'feed',
    auth: 'optional',
    query: PageQuery,
    status: 200,
    response: page(Photo),
  }),
  tag: endpoint({
    method: 'GET',
    path: `${V1}/tags/:tag`,
    operationId: 'getTagsByTag',
    summary: 'Photos by #tag',
    tag: 'feed',
    auth: 'optional',
    params: TagParams,
    query: PageQuery,
    status: 200,
    response: page(Photo),
  }),

  // Notifications
  notifications: endpoint({
    method: 'GET',
    path: `${V1}/notifications`,
    operationId: 'getNotifications',
    summary: 'Notifications',
    tag: 'notifications',
    auth: 'required',
    query: PageQuery,
    status: 200,
    response: NotificationPage,
  }),
  markNotificationsRead: endpoint({
    method: 'POST',
    path: `${V1}/notifications/read`,
    operationId: 'postNotificationsRead',
    summary: 'Mark notifications read',
    tag: 'notifications',
    auth: 'required',
    body: MarkReadBody,
    status: 200,
    response: UnreadCount,
  }),
  // Follow requests, blocks and mutes
  listFollowRequests: endpoint({
    method: 'GET',
    path: `${V1}/me/follow-requests`,
    operationId: 'getMeFollowRequests',
    summary: 'Pending requests to follow your account, newest first',
    tag: 'users',
    auth: 'required',
    query: PageQuery,
    status: 200,
    response: page(UserSummary),
  }),
  acceptFollowRequest: endpoint({
    method: 'POST',
    path: `${V1}/me/follow-requests/:username/accept`,
    operationId: 'postMeFollowRequestsByUsernameAccept',
    summary: 'Accept a follow request',
    tag: 'users',
    auth: 'required',
    rateLimit: 'follow',
    params: UsernameParams,
    status: 200,
    response: FollowRequestDecision,
    errors: { 404: 'no pending request from that account' },
  }),
  declineFollowRequest: endpoint({
    method: 'DELETE',
    path: `${V1}/me/follow-requests/:username`,
    operationId: 'deleteMeFollowRequestsByUsername',
    summary: 'Decline a follow request',
    tag: 'users',
    auth: 'required',
    rateLimit: 'follow',
    params: UsernameParams,
    status: 200,
    response: FollowRequestDecision,
    errors: { 404: 'no pending request from that account' },
  }),
  block: endpoint({
    method: 'PUT',
    path: `${V1}/users/:username/block`,
    operationId: 'putUsersByUsernameBlock',
    summary: 'Block an account (idempotent): follows both ways end',
    tag: 'users',
    auth: 'required',
    rateLimit: 'follow',
    params: UsernameParams,
    status: 200,
    response: BlockState,
  }),
  unblock: endpoint({
    method: 'DELETE',
    path: `${V1}/users/:username/block`,
    operationId: 'deleteUsersByUsernameBlock',
    summary: 'Unblock an account (idempotent)',
    tag: 'users',
    auth: 'required',
    rateLimit: 'follow',
    params: UsernameParams,
    status: 200,
    response: BlockState,
  }),
  mute: endpoint({
    method: 'PUT',
    path: `${V1}/users/:username/mute`,
    operationId: 'putUsersByUsernameMute',
    summary: 'Mute an account in your feed and notifications (idempotent)',
    tag: 'users',
    auth: 'required',
    rateLimit: 'follow',
    params: UsernameParams,
    status: 200,
    response: MuteState,
  }),
  unmute: endpoint({
    method: 'DELETE',
    path: `${V1}/users/:username/mute`,
    operationId: 'deleteUsersByUsernameMute',
    summary: 'Unmute an account (idempotent)',
    tag: 'users',
    auth: 'required',
    rateLimit: 'follow',
    params: UsernameParams,
    status: 200,
    response: MuteState,
  }),
  // Account data: export and deletion
  requestExport: endpoint({
    method: 'POST',
    path: `${V1}/me/export`,
    operationId: 'postMeExport',
    summary: 'Ask for a zip of your data (a pending request is answered again)',
    tag: 'accounts',
    auth: 'required',
    status: 202,
    response: AccountExport,
  }),
  latestExport: endpoint({
    method: 'GET',
    path: `${V1}/me/export`,
    operationId: 'getMeExport',
    summary: 'Your latest export, if any',
    tag: 'accounts',
    auth: 'required',
    status: 200,
    response: LatestExport,
  }),
  deleteMe: endpoint({
    method: 'DELETE',
    path: `${V1}/me`,
    operationId: 'deleteMe',
    summary: 'Delete your account and everything it owns',
    tag: 'accounts',
    auth: 'required',
    rateLimit: 'login',
    body: DeleteMeBody,
    status: 202,
    response: AccountDeletion,
  }),
  // Reports and moderation
  createReport: endpoint({
    method: 'POST',
    path: `${V1}/reports`,
    operationId: 'postReports',
    summary: 'Report a photo, comment or account (again while open: the same report)',
    tag: 'moderation',
    auth: 'required',
    rateLimit: 'report',
    body: CreateReportBody,
    status: 201,
    response: Report,
    errors: { 404: 'no such photo, comment or account that the caller can see' },
  }),
  listReports: endpoint({
    method: 'GET',
    path: `${V1}/admin/reports`,
    operationId: 'getAdminReports',
    summary: 'Moderation queue: reports with their content, oldest first (moderators)',
    tag: 'moderation',
    auth: 'required',
    query: ReportQuery,
    status: 200,
    response: ReportPage,
    errors: { 403: 'the caller is not a moderator' },
  }),
  resolveReport: endpoint({
    method: 'POST',
    path: `${V1}/admin/reports/:id/resolve`,
    operationId: 'postAdminReportsByIdResolve',
    summary: 'Dismiss, remove the content or suspend its owner (moderators)',
    tag: 'moderation',
    auth: 'required',
    params: ReportParams,
    body: ResolveReportBody,
    status: 200,
    response: Report,
    errors: {
      403: 'the caller is not a moderator',
      404: 'no such report',
      409: 'the report is already resolved',
    },
  }),
  opsCharts: endpoint({
    method: 'GET',
    path: `${V1}/admin/ops`,
    operationId: 'getAdminOps',
    summary: 'The operations page: fixed charts of the live metrics, read from Prometheus (moderators)',
    tag: 'moderation',
    auth: 'required',
    query: OpsQuery,
    status: 200,
    response: OpsCharts,
    errors: {
      403: 'the caller is not a moderator',
      502: 'Prometheus did not answer in time (monitoring_unreachable)',
      503: 'this topology runs without Prometheus (monitoring_off)',
    },
  }),
  // E-mail, recovery and devices
  changeEmail: endpoint({
    method: 'POST',
    path: `${V1}/me/email`,
    operationId: 'postMeEmail',
    summary: 'Change own e-mail address (unverified until its mailed link is followed)',
    tag: 'accounts',
    auth: 'required',
    rateLimit: 'recovery',
    body: ChangeEmailBody,
    status: 200,
    response: Me,
    errors: { 409: 'another account has that address' },
  }),
  verifyEmail: endpoint({
    method: 'POST',
    path: `${V1}/email-verifications/:token`,
    operationId: 'postEmailVerification',
    summary: 'Verify an e-mail address with its mailed link',
    tag: 'accounts',
    auth: 'none',
    rateLimit: 'recovery',
    params: TokenParams,
    status: 200,
    response: Ok,
    errors: { 410: 'the link is used, expired, or for an address the account no longer has' },
  }),
  requestPasswordReset: endpoint({
    method: 'POST',
    path: `${V1}/password-resets`,
    operationId: 'postPasswordResets',
    summary: 'Mail a password reset link (the same answer whether or not the address is known)',
    tag: 'accounts',
    auth: 'none',
    rateLimit: 'recovery',
    body: PasswordResetRequestBody,
    status: 202,
    response: Ok,
  }),
  resetPassword: endpoint({
    method: 'POST',
    path: `${V1}/password-resets/:token`,
    operationId: 'postPasswordReset',
    summary: 'Set a new password with a mailed reset link; ends every session',
    tag: 'accounts',
    auth: 'none',
    rateLimit: 'recovery',
    params: TokenParams,
    body: PasswordResetBody,
    status: 200,
    response: Ok,
    errors: { 410: 'the link is used or expired' },
  }),
  changePassword: endpoint({
    method: 'POST',
    path: `${V1}/me/password`,
    operationId: 'postMePassword',
    summary: 'Change own password; ends every other session',
    tag: 'accounts',
    auth: 'required',
    rateLimit: 'recovery',
    body: ChangePasswordBody,
    status: 200,
    response: Ok,
  }),
  listSessions: endpoint({
    method: 'GET',
    path: `${V1}/me/sessions`,
    operationId: 'getMeSessions',
    summary: 'Signed-in devices of the caller',
    tag: 'accounts',
    auth: 'required',
    status: 200,
    response: DeviceSessionList,
  }),
  endSession: endpoint({
    method: 'DELETE',
    path: `${V1}/me/sessions/:id`,
    operationId: 'deleteMeSession',
    summary: 'End one signed-in device at once',
    tag: 'accounts',
    auth: 'required',
    params: SessionIdParams,
    status: 200,
    response: Ok,
  }),
} as const satisfies Record<string, Endpoint>;

export type Endpoints = typeof endpoints;
export type EndpointName = keyof Endpoints;

type Parsed<S, Fallback = undefined> = S extends z.ZodType ? z.output<S> : Fallback;
type Sent<S, Fallback = undefined> = S extends z.ZodType ? z.input<S> : Fallback;
// Input parts an endpoint has: `{ params, query, body }` with only the keys it declares.
type Part<E, K extends 'params' | 'query' | 'body', T> =
  E extends Record<K, z.ZodType>
    ? undefined extends T
      ? { [P in K]?: T }
      : { [P in K]: T }
    : { [P in K]?: never };

/** What a client sends to endpoint N (before defaults and coercion). */
export type EndpointInput<N extends EndpointName> = Part<
  Endpoints[N],
  'params',
  Sent<Endpoints[N]['params' & keyof Endpoints[N]]>
> &
  Part<Endpoints[N], 'query', Sent<Endpoints[N]['query' & keyof Endpoints[N]]>> &
  Part<Endpoints[N], 'body', Sent<Endpoints[N]['body' & keyof Endpoints[N]]>>;

/** What the server's handler of endpoint N receives (validated, defaults applied). */
export interface EndpointRequest<N extends EndpointName> {
  params: Parsed<Endpoints[N]['params' & keyof Endpoints[N]], Record<string, never>>;
  query: Parsed<Endpoints[N]['query' & keyof Endpoints[N]], Record<string, never>>;
  body: Parsed<Endpoints[N]['body' & keyof Endpoints[N]]>;
}

/** What endpoint N answers with on success (the handler returns its input form). */
export type EndpointOutput<N extends EndpointName> = z.output<Endpoints[N]['response']>;

/** Does endpoint N take any input at all? (`false`: its SDK method takes call options only.) */
export type HasInput<N extends EndpointName> = Endpoints[N] extends { params: z.ZodType }
  ? true
  : Endpoints[N] extends { query: z.ZodType }
    ? true
    : Endpoints[N] extends { body: z.ZodType }
      ? true
      : false;
