import type { WorkloadStats } from './workload-stats.ts';
import type { Endpoint, ResponseEvent, Session, WriteAttempt } from './workload.types.ts';

export interface RequestSpec {
  endpoint: Endpoint;
  method: string;
  /** Absolute; checked against the allowed targets. */
  url: string;
  user: Session;
  /** Send the bearer token (true); never to the storage target, which may be another host. */
  auth?: boolean;
  headers?: Record<string, string>;
  /** JSON body; or `body` for bytes and forms. */
  json?: unknown;
  body?: Blob | FormData;
  /** Sent as Idempotency-Key and reused, unchanged, by every retry. */
  idempotencyKey?: string;
  /** Retry on network errors, timeouts and 502/503/504. Only for writes that are safe to repeat. */
  retry: boolean;
}

export interface Outcome {
  status: number | null;
  ok: boolean;
  /** The last response's body, parsed when it is JSON. */
  body: unknown;
  attempts: WriteAttempt[];
}

export interface HttpOptions {
  stats: WorkloadStats;
  onResponse?: (event: ResponseEvent) => void;
  maxAttempts: number;
  timeoutMs: number;
  allowRemote: boolean;
}

const RETRY_STATUSES = new Set([502, 503, 504]);
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** Load goes to loopback only, unless the caller says otherwise: nobody load-tests a stranger by accident. */
export function checkTarget(url: string, allowRemote: boolean): URL {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new Error(`not an http(s) URL: ${url}`);
  if (!allowRemote && !LOOPBACK.test(parsed.hostname))
    throw new Error(`${parsed.host} is not a loopback host; pass allowRemote (--allow-remote) to load it`);
  return parsed;
}

/** What a failed fetch says: 'timeout', the socket error's code, or its message. */
function describeFailure(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'timeout';
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** fetch with timing, x-served-by, per-endpoint stats and bounded retries of safe writes. */
export class WorkloadHttp {
  constructor(private readonly opts: HttpOptions) {}

  async send(spec: RequestSpec): Promise<Outcome> {
    checkTarget(spec.url, this.opts.allowRemote);
    const headers: Record<string, string> = { accept: 'application/json', ...spec.headers };
    if (spec.auth !== false) headers.authorization = `Bearer ${spec.user.token}`;
    if (spec.json !== undefined) headers['content-type'] = 'application/json';
    if (spec.idempotencyKey) headers['idempotency-key'] = spec.idempotencyKey;
    const body = spec.json !== undefined ? JSON.stringify(spec.json) : spec.body;
    const attempts: WriteAttempt[] = [];
    const tries = spec.retry ? Math.max(1, this.opts.maxAttempts) : 1;

    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      let status: number | null = null;
      let error: string | null = null;
      let servedBy: string | null = null;
      let parsed: unknown = null;
      try {
        const res = await fetch(spec.url, {
          method: spec.method,
          headers,
          body,
          signal: AbortSignal.timeout(this.opts.timeoutMs),
        });
        servedBy = res.headers.get('x-served-by');
        // The whole body is read inside the try: a connection cut mid-body is a network error too.
        const text = await res.text();
        status = res.status;
        parsed = parseJson(text);
      } catch (err) {
        error = describeFailure(err);
      }
      const result = { status, error, servedBy, ms: performance.now() - started };
      attempts.push(result);
      this.opts.stats.attempt(spec.endpoint, result, attempt);
      this.opts.onResponse?.({
        endpoint: spec.endpoint,
        method: spec.method,
        url: spec.url,
        user: spec.user.username,
        attempt,
        ...result,
        idempotencyKey: spec.idempotencyKey ?? null,
      });
      const ok = status !== null && status >= 200 && status < 300;
      if (ok || attempt >= tries || !retryable(status, attempt)) {
        this.opts.stats.finished(spec.endpoint, ok);
        return { status, ok, body: parsed, attempts };
      }
      await sleep(100 * 2 ** (attempt - 1));
    }
  }
}

/**
 * A lost answer (network error, timeout) or a gateway/unavailable status may be retried with the
 * same key. A 409 on a retry means the first try still holds the key: waiting may turn it into
 * the stored answer.
 */
function retryable(status: number | null, attempt: number): boolean {
  return status === null || RETRY_STATUSES.has(status) || (status === 409 && attempt > 1);
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
