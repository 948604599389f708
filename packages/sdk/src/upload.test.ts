import { describe, expect, it } from 'vitest';
import type { UploadTarget } from '@graminsta/contracts';
import { uploadFile, type UploadProgress, type XhrLike } from './upload.ts';

/** Records what an upload sent; the test drives progress and the answer. */
class FakeXhr implements XhrLike {
  static last: FakeXhr;
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
    FakeXhr.last = this;
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
  answer(status: number, text = '') {
    this.status = status;
    this.responseText = text;
    this.onload?.();
  }
}

const putTarget: UploadTarget = {
  uploadId: '9',
  upload: { method: 'PUT', url: '/storage/uploads/k?sig=x', headers: { 'content-type': 'image/png' } },
  expiresAt: '2030-01-01T00:00:00Z',
};

describe('uploadFile', () => {
  it('PUTs the file to the target with its headers and reports progress', async () => {
    const file = new Blob([new Uint8Array(1000)], { type: 'image/png' });
    const seen: UploadProgress[] = [];
    const done = uploadFile(putTarget, file, (p) => seen.push(p), {
      baseUrl: 'http://api.test',
      XMLHttpRequest: FakeXhr,
    });
    const xhr = FakeXhr.last;
    expect(xhr.method).toBe('PUT');
    expect(xhr.url).toBe('http://api.test/storage/uploads/k?sig=x');
    expect(xhr.headers).toEqual({ 'content-type': 'image/png' });
    expect(xhr.body).toBe(file);

    xhr.progress(250, 1000);
    xhr.progress(800, 1000);
    xhr.answer(201);
    await done;
    expect(seen.map((p) => p.fraction)).toEqual([0, 0.25, 0.8, 1]);
  });

  it('sends a presigned POST as a form with the fields before the file', async () => {
    const file = new Blob(['abc'], { type: 'image/jpeg' });
    const target: UploadTarget = {
      ...putTarget,
      upload: { method: 'POST', url: 'https://bucket.s3.test/', fields: { key: 'u/1', policy: 'p' } },
    };
    const done = uploadFile(target, file, undefined, { baseUrl: 'http://api.test', XMLHttpRequest: FakeXhr });
    const xhr = FakeXhr.last;
    expect(xhr.url).toBe('https://bucket.s3.test/');
    const form = xhr.body as FormData;
    expect([...form.keys()]).toEqual(['key', 'policy', 'file']);
    xhr.answer(204);
    await done;
  });

  it('rejects with the storage error and on abort', async () => {
    const file = new Blob(['abc']);
    const refused = uploadFile(putTarget, file, undefined, { XMLHttpRequest: FakeXhr });
    FakeXhr.last.answer(413, JSON.stringify({ error: { code: 'payload_too_large', message: 'too big' } }));
    await expect(refused).rejects.toMatchObject({
      status: 413,
      code: 'payload_too_large',
      message: 'too big',
    });

    const controller = new AbortController();
    const aborted = uploadFile(putTarget, file, undefined, {
      XMLHttpRequest: FakeXhr,
      signal: controller.signal,
    });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'aborted' });
  });

  it('falls back to fetch where there is no XMLHttpRequest', async () => {
    const calls: Array<{ url: string; init?: RequestInit }> = [];
    const seen: number[] = [];
    await uploadFile(putTarget, new Blob(['abcd']), (p) => seen.push(p.fraction), {
      baseUrl: 'http://api.test',
      fetch: async (url, init) => {
        calls.push({ url, init });
        return new Response(null, { status: 201 });
      },
    });
    expect(calls[0]).toMatchObject({
      url: 'http://api.test/storage/uploads/k?sig=x',
      init: { method: 'PUT' },
    });
    expect(seen).toEqual([0, 1]);
  });
});
