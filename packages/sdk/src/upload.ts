import type { UploadTarget } from '@graminsta/contracts';
import { ApiError, apiErrorFrom } from './api-error.ts';
import { joinUrl, type FetchLike } from './http.ts';

export interface UploadProgress {
  loaded: number;
  total: number;
  /** 0…1 */
  fraction: number;
}

interface ProgressLike {
  loaded: number;
  total: number;
  lengthComputable: boolean;
}

/** The part of XMLHttpRequest an upload uses, so tests and other runtimes can supply their own. */
export interface XhrLike {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: Blob | FormData): void;
  abort(): void;
  readonly upload: { onprogress: ((event: ProgressLike) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  ontimeout: (() => void) | null;
  readonly status: number;
  readonly statusText: string;
  readonly responseText: string;
}
export type XhrConstructor = new () => XhrLike;

export interface UploadOptions {
  /** Resolves a relative target URL (the local storage role hands out `/storage/…` when unconfigured). */
  baseUrl?: string;
  /** Defaults to the global XMLHttpRequest; without one (Node), fetch is used and progress jumps to 100 %. */
  XMLHttpRequest?: XhrConstructor | typeof XMLHttpRequest;
  fetch?: FetchLike;
  signal?: AbortSignal;
}

/**
 * Sends the bytes of a file to the place POST /uploads named: a signed PUT URL, or a
 * presigned POST form (fields first, file last, as S3 requires). Resolves on a 2xx answer.
 */
export function uploadFile(
  target: UploadTarget,
  file: Blob,
  onProgress?: (progress: UploadProgress) => void,
  opts: UploadOptions = {},
): Promise<void> {
  const { method, headers, fields } = target.upload;
  const url = joinUrl(opts.baseUrl ?? '', target.upload.url);
  let body: Blob | FormData = file;
  if (method === 'POST') {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields ?? {})) form.append(k, v);
    form.append('file', file);
    body = form;
  }
  const sendHeaders = method === 'PUT' ? (headers ?? {}) : {};
  const report = (loaded: number, total: number) =>
    onProgress?.({ loaded, total, fraction: total > 0 ? Math.min(1, loaded / total) : 0 });

  const Xhr = (opts.XMLHttpRequest ?? globalThis.XMLHttpRequest) as XhrConstructor | undefined;
  if (!Xhr) return uploadWithFetch(url, method, sendHeaders, body, file.size, report, opts);

  return new Promise<void>((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new ApiError(0, 'aborted', 'upload aborted'));
    const xhr = new Xhr();
    const onAbortSignal = () => xhr.abort();
    opts.signal?.addEventListener('abort', onAbortSignal, { once: true });
    const settle = (err: ApiError | null) => {
      opts.signal?.removeEventListener('abort', onAbortSignal);
      if (err) reject(err);
      else resolve();
    };
    xhr.open(method, url);
    for (const [k, v] of Object.entries(sendHeaders)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (event) => report(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        report(file.size, file.size);
        settle(null);
      } else settle(apiErrorFrom(xhr.status, xhr.responseText, xhr.statusText));
    };
    xhr.onerror = () => settle(new ApiError(0, 'network_error', 'the upload could not reach storage'));
    xhr.ontimeout = () => settle(new ApiError(0, 'network_error', 'the upload timed out'));
    xhr.onabort = () => settle(new ApiError(0, 'aborted', 'upload aborted'));
    report(0, file.size);
    xhr.send(body);
  });
}

async function uploadWithFetch(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: Blob | FormData,
  size: number,
  report: (loaded: number, total: number) => void,
  opts: UploadOptions,
): Promise<void> {
  const fetchFn = opts.fetch ?? ((input: string, init?: RequestInit) => globalThis.fetch(input, init));
  report(0, size);
  let response: Response;
  try {
    response = await fetchFn(url, { method, headers, body, signal: opts.signal });
  } catch (err) {
    if (opts.signal?.aborted) throw new ApiError(0, 'aborted', 'upload aborted');
    throw new ApiError(0, 'network_error', `the upload could not reach storage (${(err as Error).message})`);
  }
  const text = await response.text();
  if (!response.ok) throw apiErrorFrom(response.status, text, response.statusText);
  report(size, size);
}
