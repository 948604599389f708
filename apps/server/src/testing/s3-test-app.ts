import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UploadTarget } from '@graminsta/contracts';
import { rawQuery } from '@graminsta/core/testing/test-db';
import { startObjectStore, type ObjectStoreServer } from '@graminsta/platform/blob/object-store-server';
import { contentSnapshot, withoutRefusalCounters } from './content-snapshot.ts';
import { createTestApp, type TestApp } from './test-app.ts';

export interface S3TestApp extends TestApp {
  objectStore: ObjectStoreServer;
  objectDir: string;
  /** Tables and the object store's folder: "nothing changed" is an equal snapshot. */
  s3Snapshot(): Promise<Record<string, string>>;
  /** Sends a file with the presigned POST form, as a browser would; `fields` overrides some. */
  postForm(target: UploadTarget, body: Buffer, fields?: Record<string, string>): Promise<Response>;
}

/** The API with the S3 adapter on a real s3rver (one per app), requests by app.inject. */
export async function createS3TestApp(env: Record<string, string> = {}): Promise<S3TestApp> {
  const objectDir = await mkdtemp(join(tmpdir(), 'graminsta-objects-'));
  const objectStore = await startObjectStore({ dir: objectDir, bucket: 'graminsta' });
  const t = await createTestApp({
    S3_ENDPOINT: objectStore.url,
    S3_BUCKET: 'graminsta',
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
    CDN_URL: 'http://cdn.graminsta.test',
    ...env,
  });
  return {
    ...t,
    objectStore,
    objectDir,
    s3Snapshot: async () =>
      withoutRefusalCounters(await contentSnapshot((sql) => rawQuery(t.comp.database, sql), objectDir)),
    async postForm(target, body, fields = {}) {
      const form = new FormData();
      for (const [k, v] of Object.entries({ ...target.upload.fields, ...fields })) form.append(k, v);
      form.append('file', new Blob([new Uint8Array(body)]));
      return fetch(target.upload.url, { method: 'POST', body: form });
    },
    async close() {
      await t.close();
      await objectStore.close();
      await rm(objectDir, { recursive: true, force: true });
    },
  };
}

/** PUTs one part and answers the store's status. */
export async function putPart(url: string, body: Buffer): Promise<number> {
  const res = await fetch(url, { method: 'PUT', body: new Uint8Array(body) });
  await res.arrayBuffer();
  return res.status;
}

/** Starts a part's PUT, sends the first `sent` bytes and cuts the connection: a network that drops. */
export function dropPartMidway(url: string, body: Buffer, sent: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'PUT', headers: { 'content-length': String(body.length) } });
    req.on('error', () => resolve());
    req.on('response', (res) => {
      res.resume();
      resolve();
    });
    req.write(body.subarray(0, sent), () => {
      // Let the store take the bytes in, then go away without the rest.
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 200);
    });
  });
}
