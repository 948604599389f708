import { MULTIPART_MIN_BYTES, endpoints, type EndpointName, type EndpointOutput } from '@graminsta/contracts';
import type { CallInput, EndpointMethods } from './call-input.ts';
import { Http, wsUrl, type CallOptions, type FetchLike } from './http.ts';
import { RealtimeClient, type RealtimeOptions } from './realtime.ts';
import { uploadMultipart } from './multipart-upload.ts';
import { uploadFile, type UploadProgress, type XhrConstructor } from './upload.ts';
import { waitForPhoto, type PhotoOutcome, type WaitForPhotoOptions } from './wait-for-photo.ts';

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

export type PageOptions = NonNullable<CallInput<'feed'>['query']>;
export type Ok = EndpointOutput<'logOut'>;
export type NotificationPage = EndpointOutput<'notifications'>;
type UploadTarget = EndpointOutput<'createUpload'>;
type Photo = EndpointOutput<'createPhoto'>;

/** One photo of a post for postPhotos. */
export interface PostPhotosItem {
  file: Blob;
  altText?: string;
}

export interface PostPhotosOptions {
  caption?: string;
  /** Each file's upload progress, by its index in the items given. */
  onProgress?: (index: number, progress: UploadProgress) => void;
  signal?: AbortSignal;
}

/** Large files go in parts where the store takes them, so a dropped connection costs one part. */
const uploadRequest = (file: Blob) => ({
  contentType: file.type,
  size: file.size,
  ...(file.size >= MULTIPART_MIN_BYTES ? { multipart: true } : {}),
});

/** The table's entries as methods: `client.getProfile({ params: { username } })` and so on. */
function endpointMethods(http: Http): EndpointMethods {
  const methods: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, e] of Object.entries(endpoints) as Array<[EndpointName, object]>) {
    // Mirrors HasInput: an endpoint without params, query or body takes call options alone.
    const takesInput = 'params' in e || 'query' in e || 'body' in e;
    methods[name] = (...args) =>
      takesInput
        ? http.request(name, args[0] as CallInput<typeof name>, args[1] as CallOptions)
        : http.request(name, undefined, args[0] as CallOptions);
  }
  return methods as EndpointMethods;
}

/** What the client offers beyond the table's endpoints: uploads, the socket, waiting for a photo. */
class ClientBase {
  private readonly http: Http;

  constructor(private readonly opts: ClientOptions) {
    this.http = new Http(opts);
    Object.assign(this, endpointMethods(this.http));
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

  /**
   * Sends the bytes to the upload target (not to the API), reporting progress over the whole
   * file. A MULTIPART target is sent in parts, each retried from a fresh URL when its connection
   * drops, then completed.
   */
  uploadFile(
    target: UploadTarget,
    file: Blob,
    onProgress?: (progress: UploadProgress) => void,
    call?: { signal?: AbortSignal; retryDelayMs?: number },
  ): Promise<void> {
    const opts = {
      baseUrl: this.http.baseUrl,
      XMLHttpRequest: this.opts.XMLHttpRequest,
      fetch: this.opts.fetch,
      signal: call?.signal,
    };
    if (target.upload.method !== 'MULTIPART') return uploadFile(target, file, onProgress, opts);
    const api = {
      signParts: (id: string, partNumbers: number[], signal?: AbortSignal) =>
        this.http.request('signUploadParts', { params: { id }, body: { partNumbers } }, { signal }),
      complete: (id: string, signal?: AbortSignal) =>
        this.http.request('completeUpload', { params: { id } }, { signal }),
    };
    return uploadMultipart(target, file, api, onProgress, { ...opts, retryDelayMs: call?.retryDelayMs });
  }

  /** The whole two-step upload: ask for a target, send the bytes there, create the photo (202, processing). */
  async postPhoto(
    file: Blob,
    meta: Omit<CallInput<'createPhoto'>['body'], 'uploadId'> = {},
    onProgress?: (progress: UploadProgress) => void,
    call?: { signal?: AbortSignal },
  ): Promise<Photo> {
    const target = await this.http.request('createUpload', { body: uploadRequest(file) }, call);
    await this.uploadFile(target, file, onProgress, call);
    return this.http.request('createPhoto', { body: { uploadId: target.uploadId, ...meta } }, call);
  }

  /**
   * A post of several photos (1 to MAX_MEDIA_PER_POST), in the order given: asks for a target per
   * file, sends the files at the same time (one failing stops the others), then creates the post
   * (202, processing). `onProgress` hears each file's progress by its index in `items`.
   */
  async postPhotos(items: ReadonlyArray<PostPhotosItem>, opts: PostPhotosOptions = {}): Promise<Photo> {
    const stop = new AbortController();
    const relay = () => stop.abort(opts.signal?.reason);
    if (opts.signal?.aborted) relay();
    opts.signal?.addEventListener('abort', relay, { once: true });
    const call = { signal: stop.signal };
    try {
      const uploadIds = await Promise.all(
        items.map(async ({ file }, index) => {
          try {
            const target = await this.http.request('createUpload', { body: uploadRequest(file) }, call);
            await this.uploadFile(target, file, (p) => opts.onProgress?.(index, p), call);
            return target.uploadId;
          } catch (err) {
            stop.abort(err);
            throw err;
          }
        }),
      );
      const media = items.map((item, i) => ({
        uploadId: uploadIds[i]!,
        ...(item.altText === undefined ? {} : { altText: item.altText }),
      }));
      const caption = opts.caption === undefined ? {} : { caption: opts.caption };
      return await this.http.request('createPhoto', { body: { media, ...caption } }, { signal: opts.signal });
    } finally {
      opts.signal?.removeEventListener('abort', relay);
    }
  }

  /** Waits until photo `id` is processed: see waitForPhoto (the socket, with polling behind it). */
  waitForPhoto(id: string, opts?: WaitForPhotoOptions): Promise<PhotoOutcome> {
    return waitForPhoto(
      (photoId, call) => this.http.request('getPhoto', { params: { id: photoId } }, call),
      id,
      opts,
    );
  }

  /** A socket on /ws that authenticates with this client's current token (or the cookie). */
  realtime(opts: Omit<RealtimeOptions, 'url' | 'token'> = {}): RealtimeClient {
    return new RealtimeClient({ ...opts, url: wsUrl(this.http.baseUrl), token: () => this.http.token });
  }
}

/** A client of the Graminsta HTTP API: one typed method per endpoint table entry; errors are ApiError. */
export type GraminstaClient = ClientBase & EndpointMethods;
export const GraminstaClient = ClientBase as new (opts: ClientOptions) => GraminstaClient;
