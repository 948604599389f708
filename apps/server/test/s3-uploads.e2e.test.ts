import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MULTIPART_MIN_BYTES } from '@graminsta/contracts';
import { usingPostgres } from '@graminsta/core/testing/test-db';
import { startObjectStore, type ObjectStoreServer } from '@graminsta/platform/blob/object-store-server';
import { closeFuzzClient, sendRaw } from '../src/testing/fuzz-client.ts';
import { contentType, hostileValue, rawBody } from '../src/testing/hostile.ts';
import { startServerProcess, type ServerProcess } from '../src/testing/server-process.ts';

const SECRET_KEY = 'S3-secret-that-must-never-be-logged-0123456789';

// A real `graminsta start` with the S3 adapter on a real s3rver: the new upload fields under
// hostile input, and the S3 secret kept out of every log line. Heavy: the PostgreSQL pass only.
describe.skipIf(!usingPostgres())('stage-5 uploads against a real process', () => {
  let store: ObjectStoreServer;
  let storeDir: string;
  let server: ServerProcess;
  let base: URL;
  let token: string;
  let uploadId: string;
  let storeClosed = false;

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(new URL(`/api/v1${path}`, base), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    storeDir = await mkdtemp(join(tmpdir(), 'graminsta-e2e-objects-'));
    store = await startObjectStore({ dir: storeDir, bucket: 'graminsta' });
    server = await startServerProcess({
      ROLES: 'api,worker',
      LOG_LEVEL: 'info',
      S3_ENDPOINT: store.url,
      S3_BUCKET: 'graminsta',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: SECRET_KEY,
      CDN_URL: 'http://cdn.graminsta.test',
    });
    base = new URL(server.url);
    const res = await fetch(new URL('/api/v1/accounts', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 's3fuzz', password: 'correct horse battery' }),
    });
    token = ((await res.json()) as { token: string }).token;
    const up = await api('POST', '/uploads', {
      contentType: 'image/jpeg',
      size: MULTIPART_MIN_BYTES,
      multipart: true,
    });
    expect((up.json.upload as { method: string }).method).toBe('MULTIPART');
    uploadId = String(up.json.uploadId);
  }, 120_000);

  afterAll(async () => {
    closeFuzzClient();
    await server?.stop();
    if (!storeClosed) await store?.close();
    await rm(storeDir, { recursive: true, force: true });
  });

  it('answers hostile bodies on the upload fields with 4xx and keeps serving', async () => {
    const paths = ['/uploads', `/uploads/${uploadId}/parts`, `/uploads/${uploadId}/complete`];
    const field = fc.oneof(
      fc.record({
        contentType: fc.constant('image/jpeg'),
        size: fc.constant(MULTIPART_MIN_BYTES),
        multipart: hostileValue,
      }),
      fc.record({ partNumbers: hostileValue }),
      fc.record({ partNumbers: fc.array(hostileValue, { maxLength: 5 }) }),
    );
    const body = fc.oneof(
      field.map((v) => Buffer.from(JSON.stringify(v))),
      rawBody(['multipart', 'partNumbers', 'contentType', 'size']),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), body, contentType, async (path, payload, type) => {
        const answer = await sendRaw(base, {
          method: 'POST',
          path: `/api/v1${path}`,
          headers: { authorization: `Bearer ${token}`, ...(type ? { 'content-type': type } : {}) },
          body: payload,
          mustRefuse: false,
        });
        if ('error' in answer) throw new Error(`no answer: ${answer.error}`);
        // 409: a well-formed complete of parts that never came; every other refusal is a 4xx too.
        expect(answer.status, answer.body).toBeGreaterThanOrEqual(200);
        expect(answer.status, answer.body).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
    expect((await api('POST', `/uploads/${uploadId}/parts`, { partNumbers: [1] })).status).toBe(200);
    expect((await fetch(new URL('/readyz', base))).status).toBe(200);
  }, 300_000);

  it('keeps the S3 secret out of the logs, even when the store is down', async () => {
    await store.close();
    storeClosed = true;
    const res = await api('POST', `/uploads/${uploadId}/complete`);
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.json)).not.toContain(SECRET_KEY);
    await new Promise((r) => setTimeout(r, 500));
    const logs = server.output();
    expect(logs).toMatch(/"level":(50|"error")/);
    expect(logs).not.toContain(SECRET_KEY);
    expect(logs).not.toContain(encodeURIComponent(SECRET_KEY));
  });
});
