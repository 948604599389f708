/**
 * The ports that service code depends on. `compose` (apps/server) is the only place
 * that picks an adapter; each port has one shared contract suite that every adapter passes.
 */
import type { Readable } from 'node:stream';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface StoredObject {
  body: Buffer;
  contentType: string;
  size: number;
}

/** An object read as a stream: the body is never held whole in memory. */
export interface StoredStream {
  body: Readable;
  contentType: string;
  size: number;
}

export interface UploadTargetRequest {
  key: string;
  contentType: string;
  maxBytes: number;
  expiresAt: Date;
}

export interface UploadTargetSpec {
  method: 'PUT' | 'POST';
  url: string;
  headers?: Record<string, string>;
  fields?: Record<string, string>;
}

export interface PutStreamOptions {
  /** A body longer than this is refused with PayloadTooLargeError, and nothing is kept. */
  maxBytes?: number;
  /**
   * Called once the whole body is received and durable, but not yet under its key; the object
   * appears when `place` runs (inside a transaction that claims the key, say). If `commit` throws
   * or returns without calling `place`, nothing is kept; a placed object stays either way.
   */
  commit?: (place: () => Promise<void>) => Promise<void>;
}

/** Reads that must see the very object that was checked earlier. */
export interface ReadOptions {
  /** The object's ETag when it was checked: bytes replaced since are refused with BlobChangedError. */
  ifMatch?: string;
}

/** The object under a key is no longer the one an earlier check saw (its ETag changed). */
export class BlobChangedError extends Error {
  readonly code = 'blob_changed';
  constructor(readonly key: string) {
    super(`the object under ${key} changed since it was checked`);
  }
}

/** The store no longer holds a multipart upload (aborted, or expired by a lifecycle rule). */
export class MultipartGoneError extends Error {
  readonly code = 'multipart_gone';
  constructor(readonly key: string) {
    super(`the store holds no multipart upload for ${key}`);
  }
}

/** One part of a multipart upload as the store holds it. */
export interface StoredPart {
  partNumber: number;
  size: number;
  etag: string;
}

/**
 * Uploads of one object in parts, each sent by the client straight to the store with a presigned
 * URL (S3's multipart upload). A part can be sent again; a dropped connection loses at most the
 * part in flight, and the parts the store already holds are listed so a client can resume.
 */
export interface MultipartUploads {
  /** Starts a multipart upload of `key`; answers the store's id for it. */
  create(req: { key: string; contentType: string }): Promise<string>;
  /** A presigned PUT URL for each part number (1…10000), valid until `expiresAt`. */
  signParts(req: {
    key: string;
    multipartId: string;
    partNumbers: number[];
    expiresAt: Date;
  }): Promise<Array<{ partNumber: number; url: string }>>;
  /** The parts received so far, in order; MultipartGoneError when the store has no such upload. */
  listParts(key: string, multipartId: string): Promise<StoredPart[]>;
  /** Joins the parts, in order, into the object under `key`. */
  complete(key: string, multipartId: string, parts: StoredPart[]): Promise<void>;
  /** Drops the upload and every part received; a missing upload is not an error. */
  abort(key: string, multipartId: string): Promise<void>;
}

export interface BlobStore {
  /** Present when the store takes uploads in parts (S3); the local disk store does not. */
  readonly multipart?: MultipartUploads;
  /**
   * Drops cached copies of public objects at the CDN edge, if there is one (called after delete).
   * Keys whose copies remain would still be served by the edge; an adapter without an edge omits it.
   */
  purge?(keys: string[]): Promise<void>;
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** Stores a body read from a stream, never held whole in memory; resolves with its size. */
  putStream(key: string, body: Readable, contentType: string, opts?: PutStreamOptions): Promise<number>;
  get(key: string, opts?: ReadOptions): Promise<StoredObject | null>;
  /** The object as a stream (the caller must consume or destroy it); null when missing. */
  stream(key: string, opts?: ReadOptions): Promise<StoredStream | null>;
  /** `etag` where the store keeps one (S3): pass it as `ifMatch` to read that very object later. */
  head(key: string): Promise<{ size: number; contentType: string; etag?: string } | null>;
  delete(keys: string[]): Promise<void>;
  /** Where a browser fetches the object (immutable, cacheable); throws for a private key. */
  publicUrl(key: string): string;
  /** A short-lived target bound to one key, one content type and a maximum size. */
  createUploadTarget(req: UploadTargetRequest): Promise<UploadTargetSpec>;
}

export interface JobOptions {
  /** Same id while a job is pending: enqueued once. */
  jobId?: string;
  attempts?: number;
  delayMs?: number;
}

export interface JobContext {
  id: string;
  attempt: number;
}

/** The payload reaches the handler as stored: whoever registers it checks its shape. */
export type JobHandler = (payload: Json, job: JobContext) => Promise<void>;

/** Why a job was given up: its last error, or a lost worker (its lease lapsed on the last try). */
export interface DeadJob {
  id: string;
  attempts: number;
  error: unknown;
}

/**
 * Runs once a job is given up, so what it was for can be closed (a post marked failed). It may run
 * more than once for one job (a worker dying inside it): it must be idempotent.
 */
export type DeadJobHandler = (payload: Json, dead: DeadJob) => Promise<void>;

export interface ProcessOptions {
  concurrency?: number;
  onDead?: DeadJobHandler;
}

/** Job names → payload types (core's jobs/jobs.ts is the one such table). */
export type JobMap = Record<string, Json>;

export interface Queue<J extends JobMap = JobMap> {
  /** The payload type follows from the name: enqueuing a job with another job's payload fails to compile. */
  enqueue<N extends keyof J & string>(name: N, payload: J[N], opts?: JobOptions): Promise<void>;
  /** Starts consuming jobs of `name` in this process (worker role). */
  process(name: keyof J & string, handler: JobHandler, opts?: ProcessOptions): void;
  close(): Promise<void>;
}

export type Unsubscribe = () => Promise<void>;

export interface PubSub {
  /** The largest message (serialized) this bus carries, when it has a limit (NOTIFY's payload). */
  readonly maxMessageBytes?: number;
  publish(channel: string, message: Json): Promise<void>;
  subscribe(channel: string, handler: (message: Json) => void): Promise<Unsubscribe>;
  close(): Promise<void>;
}

/** One message to one recipient; `text` is always there, `html` is an optional richer copy. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** Sends mail; resolves once the message is handed over (written to the outbox, or accepted by SMTP). */
export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close?(): Promise<void>;
}

/**
 * One cached value as a cache store holds it: the value, and until when (epoch ms) it is fresh.
 * Past `freshUntil` it may still be served once while one caller refreshes it
 * (stale-while-revalidate); the store drops it at its own, longer expiry.
 */
export interface CacheEntry {
  value: Json;
  freshUntil: number;
}

/**
 * Where cached reads live (the `cache` port): an in-process LRU (`MemoryCacheStore`) or Redis
 * (`RedisCacheStore`). Fills are guarded by leases, as memcached's are at Facebook: a caller that
 * missed takes the key's lease, loads, and fills with the lease's token; `delete` drops the
 * lease too, so a fill loaded before a write can never put the old value back.
 */
export interface CacheStore {
  /** The entries under `keys`, in order; null where nothing is stored. */
  getMany(keys: readonly string[]): Promise<Array<CacheEntry | null>>;
  /** Takes the key's lease for `ms` if nobody holds it: its token, or null when another caller has it. */
  lease(key: string, ms: number): Promise<string | null>;
  /**
   * Stores `entry` (kept for `ttlSeconds`) only while `token` still holds the key's lease, and
   * releases it; false when the lease was lost (expired, or dropped by `delete`).
   */
  fill(key: string, token: string, entry: CacheEntry, ttlSeconds: number): Promise<boolean>;
  /**
   * Keeps the lease `token` holds for another `ms` from now (a holder still loading renews it, so
   * a slow load is not taken over while its process lives); false when it no longer holds it.
   */
  renew(key: string, token: string, ms: number): Promise<boolean>;
  /** Drops the entries and their leases. */
  delete(keys: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** What a read-through cache counts (exported as metrics by the server). */
export type CacheOutcome =
  /** served from this process's hot-key copy */
  | 'l1_hit'
  /** served from the store, fresh */
  | 'hit'
  /** served from the store past its freshness while one caller refreshes it */
  | 'stale'
  /** not in the store: loaded from the database */
  | 'miss'
  /** waited for another caller's (or process's) load instead of querying */
  | 'coalesced'
  /** the store failed or is down: loaded from the database directly */
  | 'fallback';

/**
 * Cache-aside reads as services see them. `read` answers the cached value of `key`, or runs
 * `load` (at most once per key at a time in a process, and once per lease across processes)
 * and caches its answer. `invalidate` runs after a write commits: every process drops its copies.
 * Values must not depend on who reads them: viewer-specific parts are computed per request.
 */
export interface ReadCache {
  read<T extends Json>(key: string, load: () => Promise<T>): Promise<T>;
  invalidate(keys: readonly string[]): Promise<void>;
}

/** No caching at all: every read runs its load (CACHE=off, and tests of the uncached path). */
export const noCache: ReadCache = {
  read: (_key, load) => load(),
  invalidate: async () => {},
};

/** A slice of one home timeline, newest first, as `TimelineStore.read` answers it. */
export interface TimelineSlice {
  /**
   * `missing`: no timeline (never built, dropped, or idle past its expiry): rebuild it.
   * `building`: another caller is rebuilding it: read the database this time.
   */
  state: 'missing' | 'building' | 'ready';
  /** Post ids below the cursor, newest first (decimal strings: 64-bit ids). */
  ids: string[];
  /** The timeline holds its maximum length: posts older than its oldest id may exist elsewhere. */
  truncated: boolean;
}

/**
 * Materialised home timelines (the `timeline` port): per user, the ids of recent posts by the
 * accounts they follow, bounded in length and dropped when idle. Ids only: the feed applies every
 * visibility rule when it reads the posts, so a stale id can hide but never show anything.
 * A rebuild is claimed with a token, like a cache lease: a build that started before a `drop`
 * can never put the old timeline back.
 */
export interface TimelineStore {
  /** Up to `limit` ids below `before` (all when undefined), newest first; keeps a ready timeline alive. */
  read(userId: string, before: string | undefined, limit: number): Promise<TimelineSlice>;
  /** Claims the rebuild of a missing timeline for `ms`: its token, or null when it exists or is being built. */
  beginBuild(userId: string, ms: number): Promise<string | null>;
  /** Adds `ids` to the timeline being built and makes it ready; false when the claim was lost. */
  finishBuild(userId: string, token: string, ids: readonly string[]): Promise<boolean>;
  /** Adds a post to each listed timeline that exists (ready or being built); answers how many. */
  fanOut(userIds: readonly string[], postId: string): Promise<number>;
  /** Drops the timelines (and any rebuild in progress): the next read rebuilds them. */
  drop(userIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
