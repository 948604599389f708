import {
  endpoints,
  fillPath,
  type Endpoint,
  type EndpointName,
  type EndpointOutput,
} from '@graminsta/contracts';
import { ApiError, apiErrorFrom } from './api-error.ts';
import type { CallInput } from './call-input.ts';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Per-call options every SDK method accepts. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Reuse a key to retry a POST safely; a fresh one is made otherwise. */
  idempotencyKey?: string;
}

export interface HttpOptions {
  /** API origin (`https://api.example.com`), or `''` for the page's own origin. */
  baseUrl: string;
  token?: string | null;
  fetch?: FetchLike;
  /** `'include'` lets a browser send the HttpOnly session cookie across origins. */
  credentials?: RequestCredentials;
}

/** A random UUID; getRandomValues also works where randomUUID is missing (plain-http pages). */
export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function joinUrl(baseUrl: string, path: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) return path;
  return baseUrl.replace(/\/+$/, '') + path;
}

/** `https://host/x` → `wss://host/x/ws`; an empty base means the page's origin. */
export function wsUrl(baseUrl: string): string {
  const base = baseUrl || (globalThis as { location?: { origin: string } }).location?.origin;
  if (!base) throw new Error('baseUrl is required outside a browser');
  const url = new URL(base.replace(/\/+$/, '') + '/ws');
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** JSON over fetch: bearer token, cookies, idempotency keys and ApiError on failure. */
export class Http {
  token: string | null;
  readonly baseUrl: string;
  private readonly fetchFn: FetchLike;
  private readonly credentials: RequestCredentials | undefined;

  constructor(opts: HttpOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.token = opts.token ?? null;
    this.fetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.credentials = opts.credentials;
  }

  /**
   * Calls endpoint N of the table: its method, its path with `params` filled in
   * (percent-encoded), `query` as the query string and `body` as JSON.
   */
  async request<N extends EndpointName>(
    name: N,
    input?: CallInput<N>,
    call: CallOptions = {},
  ): Promise<EndpointOutput<N>> {
    const e: Endpoint = endpoints[name];
    const { params, query, body } = (input ?? {}) as {
      params?: Record<string, unknown>;
      query?: Record<string, unknown>;
      body?: unknown;
    };
    const path = fillPath(e.path, (key) => {
      const value = params?.[key];
      if (value === undefined) throw new TypeError(`${name}: the path needs params.${key}`);
      return encodeURIComponent(String(value));
    });
    // An endpoint that takes a body always gets one: `{}` when every field of it is optional.
    const sent = 'body' in e ? (body ?? {}) : undefined;
    return (await this.send(e.method, path + queryString(query), sent, call)) as EndpointOutput<N>;
  }

  private async send(method: string, url: string, body: unknown, call: CallOptions): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method === 'POST') headers['idempotency-key'] = call.idempotencyKey ?? newIdempotencyKey();
    let response: Response;
    try {
      response = await this.fetchFn(joinUrl(this.baseUrl, url), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: this.credentials,
        signal: call.signal,
      });
    } catch (err) {
      if (call.signal?.aborted) throw new ApiError(0, 'aborted', 'request aborted');
      throw new ApiError(0, 'network_error', `could not reach the server (${(err as Error).message})`);
    }
    const text = await response.text();
    if (!response.ok) throw apiErrorFrom(response.status, text, response.statusText);
    return text ? JSON.parse(text) : undefined;
  }
}

function queryString(query: object | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}
