import type { XhrLike } from '../upload.ts';

/** An XMLHttpRequest stand-in for upload tests: it records what was sent; the test drives progress and the answer. */
export class FakeXhr implements XhrLike {
  static all: FakeXhr[] = [];
  static get last(): FakeXhr {
    const xhr = FakeXhr.all.at(-1);
    if (!xhr) throw new Error('no upload was started');
    return xhr;
  }
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: Blob | FormData | null = null;
  upload = { onprogress: null as XhrLike['upload']['onprogress'] };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  status = 0;
  statusText = '';
  responseText = '';

  constructor() {
    FakeXhr.all.push(this);
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: Blob | FormData) {
    this.body = body;
  }
  abort() {
    this.onabort?.();
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ loaded, total, lengthComputable: true });
  }
  /** Finishes the request: a string body is sent as it is, anything else as JSON. */
  answer(status: number, body?: unknown) {
    this.status = status;
    this.responseText = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    this.onload?.();
  }
}
