import type {
  Comment,
  CreatePhotoBody,
  CreateUploadBody,
  FollowState,
  LikeState,
  LogInBody,
  Me,
  Notification,
  Page,
  PatchMeBody,
  Photo,
  Profile,
  SessionResponse,
  SignUpBody,
  UploadTarget,
  UserSummary,
} from '@graminsta/contracts';
import { Http, wsUrl, type CallOptions, type FetchLike } from './http.ts';
import { RealtimeClient, type RealtimeOptions } from './realtime.ts';
import { uploadFile, type UploadProgress, type XhrConstructor } from './upload.ts';

export interface ClientOptions {
  /** API origin, e.g. `https://api.graminsta.example`; `''` means the page's own origin. */
  baseUrl: string;
  /** Bearer token; without one a browser may still be signed in by the HttpOnly cookie. */
  token?: string | null;
  fetch?: FetchLike;
  credentials?: RequestCredentials;
  /** For uploads with progress; defaults to the global one when present. */
  XMLHttpRequest?: XhrConstructor | typeof XMLHttpRequest;
}

export interface PageOptions {
  cursor?: string | null;
  limit?: number;
}

export type Ok = { ok: true };
export type NotificationPage = Page<Notification> & { unreadCount: number };

const enc = encodeURIComponent;
const V1 = '/api/v1';

/** One typed method per endpoint of the Graminsta HTTP API (see DESIGN.md); errors are ApiError. */
export class GraminstaClient {
  private readonly http: Http;

  constructor(private readonly opts: ClientOptions) {
    this.http = new Http(opts);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  get token(): string | null {
    return this.http.token;
  }

  /** Changes the bearer token for later calls (null: rely on the cookie, or be signed out). */
  setToken(token: string | null): void {
    this.http.token = token;
  }

  // Accounts and sessions

  signUp(body: SignUpBody, call?: CallOptions): Promise<SessionResponse> {
    return this.http.request('POST', `${V1}/accounts`, body, undefined, call);
  }

  logIn(body: LogInBody, call?: CallOptions): Promise<SessionResponse> {
    return this.http.request('POST', `${V1}/sessions`, body, undefined, call);
  }

  logOut(call?: CallOptions): Promise<Ok> {
    return this.http.request('DELETE', `${V1}/sessions/current`, undefined, undefined, call);
  }

  getMe(call?: CallOptions): Promise<Me> {
    return this.http.request('GET', `${V1}/me`, undefined, undefined, call);
  }

  updateMe(patch: PatchMeBody, call?: CallOptions): Promise<Me> {
    return this.http.request('PATCH', `${V1}/me`, patch, undefined, call);
  }

  // Users and follows

  getProfile(username: string, call?: CallOptions): Promise<Profile> {
    return this.http.request('GET', `${V1}/users/${enc(username)}`, undefined, undefined, call);
  }

  listUserPhotos(username: string, page?: PageOptions, call?: CallOptions): Promise<Page<Photo>> {
    return this.http.request('GET', `${V1}/users/${enc(username)}/photos`, undefined, { ...page }, call);
  }

  listFollowers(username: string, page?: PageOptions, call?: CallOptions): Promise<Page<UserSummary>> {
    return this.http.request('GET', `${V1}/users/${enc(username)}/followers`, undefined, { ...page }, call);
  }

  listFollowing(username: string, page?: PageOptions, call?: CallOptions): Promise<Page<UserSummary>> {
    return this.http.request('GET', `${V1}/users/${enc(username)}/following`, undefined, { ...page }, call);
  }

  follow(username: string, call?: CallOptions): Promise<FollowState> {
    return this.http.request('PUT', `${V1}/users/${enc(username)}/follow`, undefined, undefined, call);
  }

  unfollow(username: string, call?: CallOptions): Promise<FollowState> {
    return this.http.request('DELETE', `${V1}/users/${enc(username)}/follow`, undefined, undefined, call);
  }

  searchUsers(q: string, page?: PageOptions, call?: CallOptions): Promise<Page<UserSummary>> {
    return this.http.request('GET', `${V1}/search/users`, undefined, { q, ...page }, call);
  }

  // Photos

  createUpload(body: CreateUploadBody, call?: CallOptions): Promise<UploadTarget> {
    return this.http.request('POST', `${V1}/uploads`, body, undefined, call);
  }

  /** Sends the bytes to the upload target (not to the API), reporting progress. */
  uploadFile(
    target: UploadTarget,
    file: Blob,
    onProgress?: (progress: UploadProgress) => void,
    call?: { signal?: AbortSignal },
  ): Promise<void> {
    return uploadFile(target, file, onProgress, {
      baseUrl: this.http.baseUrl,
      XMLHttpRequest: this.opts.XMLHttpRequest,
      fetch: this.opts.fetch,
      signal: call?.signal,
    });
  }

  createPhoto(body: CreatePhotoBody, call?: CallOptions): Promise<Photo> {
    return this.http.request('POST', `${V1}/photos`, body, undefined, call);
  }

  /** The whole two-step upload: ask for a target, send the bytes there, create the photo (202, processing). */
  async postPhoto(
    file: Blob,
    meta: { caption?: string; altText?: string } = {},
    onProgress?: (progress: UploadProgress) => void,
    call?: { signal?: AbortSignal },
  ): Promise<Photo> {
    const target = await this.createUpload({ contentType: file.type, size: file.size }, call);
    await this.uploadFile(target, file, onProgress, call);
    return this.createPhoto({ uploadId: target.uploadId, ...meta }, call);
  }

  getPhoto(id: string, call?: CallOptions): Promise<Photo> {
    return this.http.request('GET', `${V1}/photos/${enc(id)}`, undefined, undefined, call);
  }

  deletePhoto(id: string, call?: CallOptions): Promise<Ok> {
    return this.http.request('DELETE', `${V1}/photos/${enc(id)}`, undefined, undefined, call);
  }

  like(photoId: string, call?: CallOptions): Promise<LikeState> {
    return this.http.request('PUT', `${V1}/photos/${enc(photoId)}/like`, undefined, undefined, call);
  }

  unlike(photoId: string, call?: CallOptions): Promise<LikeState> {
    return this.http.request('DELETE', `${V1}/photos/${enc(photoId)}/like`, undefined, undefined, call);
  }

  listComments(photoId: string, page?: PageOptions, call?: CallOptions): Promise<Page<Comment>> {
    return this.http.request('GET', `${V1}/photos/${enc(photoId)}/comments`, undefined, { ...page }, call);
  }

  addComment(photoId: string, body: string, call?: CallOptions): Promise<Comment> {
    return this.http.request('POST', `${V1}/photos/${enc(photoId)}/comments`, { body }, undefined, call);
  }

  deleteComment(commentId: string, call?: CallOptions): Promise<Ok> {
    return this.http.request('DELETE', `${V1}/comments/${enc(commentId)}`, undefined, undefined, call);
  }

  // Feeds

  feed(page?: PageOptions, call?: CallOptions): Promise<Page<Photo>> {
    return this.http.request('GET', `${V1}/feed`, undefined, { ...page }, call);
  }

  explore(page?: PageOptions, call?: CallOptions): Promise<Page<Photo>> {
    return this.http.request('GET', `${V1}/explore`, undefined, { ...page }, call);
  }

  tag(tag: string, page?: PageOptions, call?: CallOptions): Promise<Page<Photo>> {
    return this.http.request('GET', `${V1}/tags/${enc(tag)}`, undefined, { ...page }, call);
  }

  // Notifications and realtime

  notifications(page?: PageOptions, call?: CallOptions): Promise<NotificationPage> {
    return this.http.request('GET', `${V1}/notifications`, undefined, { ...page }, call);
  }

  /** Marks all notifications read, or those up to and including `upTo`. */
  markNotificationsRead(upTo?: string, call?: CallOptions): Promise<{ unreadCount: number }> {
    return this.http.request('POST', `${V1}/notifications/read`, upTo ? { upTo } : {}, undefined, call);
  }

  /** A socket on /ws that authenticates with this client's current token (or the cookie). */
  realtime(opts: Omit<RealtimeOptions, 'url' | 'token'> = {}): RealtimeClient {
    return new RealtimeClient({ ...opts, url: wsUrl(this.http.baseUrl), token: () => this.http.token });
  }
}
