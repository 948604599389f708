import { describe, expect, it } from 'vitest';
import type { UploadTarget } from '@graminsta/contracts';
import { FakeXhr } from './testing/fake-xhr.ts';
import { uploadFile, type UploadProgress } from './upload.ts';

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
