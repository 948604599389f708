/** The user actions the load driver mixes. An upload is three requests: target, bytes, photo. */
export const ACTIONS = ['feed', 'profile', 'photo', 'comments', 'like', 'comment', 'upload'] as const;
export type Action = (typeof ACTIONS)[number];

/** Relative weights of the actions; an action left out (or 0) never runs. */
export type Mix = Partial<Record<Action, number>>;

/** Mostly reads, as on any photo site; the writes are what a failover must neither lose nor double. */
export const DEFAULT_MIX: Readonly<Record<Action, number>> = {
  feed: 30,
  profile: 15,
  photo: 25,
  comments: 10,
  like: 12,
  comment: 5,
  upload: 3,
};

/** Every request the driver sends, by the name the report uses. */
export const ENDPOINTS = {
  feed: { method: 'GET', path: '/api/v1/feed' },
  profile: { method: 'GET', path: '/api/v1/users/{username}' },
  photo: { method: 'GET', path: '/api/v1/photos/{id}' },
  comments: { method: 'GET', path: '/api/v1/photos/{id}/comments' },
  like: { method: 'PUT', path: '/api/v1/photos/{id}/like' },
  comment: { method: 'POST', path: '/api/v1/photos/{id}/comments' },
  upload: { method: 'POST', path: '/api/v1/uploads' },
  'upload-bytes': { method: 'PUT', path: '{upload.url}' },
  'create-photo': { method: 'POST', path: '/api/v1/photos' },
} as const;
export type Endpoint = keyof typeof ENDPOINTS;

/** The API writes, each logged with its Idempotency-Key (the bytes PUT goes to storage, not the API). */
export type WriteEndpoint = 'like' | 'comment' | 'upload' | 'create-photo';

export interface Credentials {
  username: string;
  password: string;
}

/** A signed-in user the driver acts as. */
export interface Session {
  username: string;
  token: string;
}

/** One HTTP attempt, as `onResponse` sees it. */
export interface ResponseEvent {
  endpoint: Endpoint;
  method: string;
  url: string;
  user: string;
  /** 1 for the first try; writes retry with the same Idempotency-Key. */
  attempt: number;
  /** null when no response came: a network error or a timeout. */
  status: number | null;
  /** 'timeout', or the network error's code or message; null when a response came. */
  error: string | null;
  ms: number;
  /** The x-served-by header: which instance answered. */
  servedBy: string | null;
  idempotencyKey: string | null;
}

export interface WriteAttempt {
  status: number | null;
  error: string | null;
  servedBy: string | null;
  ms: number;
}

/** One API write and what became of it, so a test can check it was applied exactly once or failed visibly. */
export interface WriteRecord {
  endpoint: WriteEndpoint;
  method: 'POST' | 'PUT';
  /** The concrete path, e.g. /api/v1/photos/123/comments. */
  path: string;
  user: string;
  idempotencyKey: string;
  /** The photo liked or commented on; null for uploads and photo creation. */
  photoId: string | null;
  /** The JSON body sent: a comment's body and a photo's caption carry the key, so doubles are visible. */
  body: unknown;
  /** Every try, in order. */
  attempts: WriteAttempt[];
  /** The last attempt's status; null when no attempt got a response. */
  status: number | null;
  ok: boolean;
  /** What the successful response created: comment id, upload id or photo id (null for likes and failures). */
  createdId: string | null;
}

export interface EndpointStats {
  method: string;
  path: string;
  /** HTTP attempts, retries included. */
  count: number;
  /** Attempts answered 2xx. */
  ok: number;
  /** count − ok. */
  errors: number;
  /** Failed attempts by kind: the status ('503') or 'timeout' / 'network'. */
  errorsByKind: Record<string, number>;
  /** Attempts after the first (writes only; reads never retry). */
  retries: number;
  /** Requests whose last attempt failed: what a user would have seen fail. */
  failed: number;
  /** Attempts per second of the measured run. */
  rps: number;
  /** Latency percentiles in ms over attempts that got a response; null when there were none. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface WorkloadReport {
  baseUrl: string;
  startedAt: string;
  /** Length of the measured run (set-up excluded). */
  elapsedMs: number;
  stoppedBy: 'duration' | 'actions' | 'signal';
  /** Actions run, by kind (an action without a photo to act on falls back to `feed`). */
  actions: Record<Action, number>;
  users: string[];
  endpoints: Record<Endpoint, EndpointStats>;
  totals: { count: number; ok: number; errors: number; failed: number; rps: number };
  /** Responses by x-served-by; responses without the header count under '(none)'. */
  servedBy: Record<string, number>;
  /** Every API write of the measured run, in the order they were started. */
  writes: WriteRecord[];
}

export interface WorkloadOptions {
  /** The public URL (load balancer or single instance). Non-loopback hosts need `allowRemote`. */
  baseUrl: string;
  /** Existing users, logged in first through POST /api/v1/sessions. */
  users?: Credentials[];
  /** Bearer tokens of existing sessions (usernames are read from GET /api/v1/me). */
  tokens?: string[];
  /** Already prepared sessions, e.g. from `prepareSessions`. */
  sessions?: Session[];
  /** Sign up this many fresh users first; they follow each other and post photos. */
  signup?: number;
  /** Photos each signed-up user posts before the run (2). */
  photosPerUser?: number;
  /** Stop after this long… */
  durationMs?: number;
  /** …or after this many actions, whichever comes first; at least one of the two is required. */
  actions?: number;
  /** Actions in flight at once (8). */
  concurrency?: number;
  mix?: Mix;
  /** Aborting stops new actions; actions in flight finish (their writes are logged). */
  signal?: AbortSignal;
  onResponse?: (event: ResponseEvent) => void;
  /** Tries per write, the first included (3). */
  maxAttempts?: number;
  /** Per-attempt timeout (10,000 ms); a timeout counts as a network error. */
  requestTimeoutMs?: number;
  /** Seed of the action choice, so the same options draw the same actions (1). */
  seed?: number;
  allowRemote?: boolean;
  log?: (line: string) => void;
}
