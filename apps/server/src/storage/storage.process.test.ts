import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpegWithGps } from '../testing/images.ts';
import { startServerProcess, type ServerProcess } from '../testing/server-process.ts';

/** The storage role in a real process, over real sockets: targets taken once, originals never served. */
describe('storage role process', () => {
  let server: ServerProcess;
  let jpeg: Buffer;
  beforeAll(async () => {
    jpeg = await jpegWithGps(640, 480);
    // No worker: the upload stays unprocessed, so its original is on disk while we look for it.
    server = await startServerProcess({ ROLES: 'api,storage' });
  }, 180_000);
  afterAll(() => server?.stop());

  it('takes one of two racing PUTs, and never serves the original it stored', async () => {
    const signUp = await fetch(`${server.url}/api/v1/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'racer', password: 'correct horse battery' }),
    });
    const { token } = (await signUp.json()) as { token: string };
    const created = await fetch(`${server.url}/api/v1/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ contentType: 'image/jpeg', size: jpeg.length }),
    });
    expect(created.status).toBe(201);
    const { upload } = (await created.json()) as { upload: { url: string } };
    const target = new URL(upload.url, server.url);

    const put = () =>
      fetch(target, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(jpeg) });
    const statuses = (await Promise.all([put(), put()])).map((r) => r.status);
    expect(statuses.sort()).toEqual([201, 409]);

    const key = target.pathname.replace(/^\/storage\/uploads\//, '');
    for (const path of [`/storage/blobs/${key}`, `/storage/blobs/${key.replace('uploads/', 'uploads%2F')}`]) {
      const res = await fetch(new URL(path, server.url));
      expect(res.status, path).toBe(404);
      expect(Buffer.from(await res.arrayBuffer()).includes(jpeg.subarray(0, 256)), path).toBe(false);
      expect(res.headers.get('content-security-policy')).toMatch(/^sandbox/);
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 60_000);
});
