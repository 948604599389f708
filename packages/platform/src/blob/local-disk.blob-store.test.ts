import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { blobContract } from './blob.contract.ts';
import { LocalDiskBlobStore } from './local-disk.blob-store.ts';
import { readBounded } from './read-bounded.ts';
import { verifyUploadSignature } from './upload-signature.ts';

const dirs: string[] = [];
const SECRET = 'a-secret-of-at-least-sixteen-chars';

async function makeStore(): Promise<{ store: LocalDiskBlobStore; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'graminsta-blobs-'));
  dirs.push(dir);
  return {
    dir,
    store: new LocalDiskBlobStore({ dir, publicBaseUrl: 'http://127.0.0.1:3000/storage/', secret: SECRET }),
  };
}

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

blobContract('LocalDiskBlobStore', async () => (await makeStore()).store);

describe('LocalDiskBlobStore', () => {
  let store: LocalDiskBlobStore;
  let dir: string;
  beforeEach(async () => ({ store, dir } = await makeStore()));

  it('refuses keys that could leave its folder or are not plain', async () => {
    const bad = [
      '../etc/passwd',
      'a/../../b',
      '/abs',
      'Upper.jpg',
      'a//b',
      'a/',
      '',
      '.hidden',
      'a b',
      'a\\b',
      'x/%2e%2e/y',
    ];
    for (const key of bad) {
      await expect(store.put(key, Buffer.from('x'), 'text/plain'), key).rejects.toThrow(/unsafe blob key/);
      await expect(store.get(key), key).rejects.toThrow(/unsafe blob key/);
      expect(() => store.publicUrl(key), key).toThrow(/unsafe blob key/);
    }
    await expect(store.delete(['ok', '../x'])).rejects.toThrow(/unsafe blob key/);
  });

  it('leaves no temporary files behind after writes and deletes', async () => {
    await store.put('p/1.webp', Buffer.from('one'), 'image/webp');
    await store.put('p/1.webp', Buffer.from('two'), 'image/webp');
    await store.delete(['p/1.webp']);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    expect(await store.head('p/1.webp')).toBeNull();
  });

  it('streams publicly only what is not private', async () => {
    await store.put('uploads/u1/abc', Buffer.from('original'), 'image/jpeg');
    await store.put('p/1/v.webp', Buffer.from('variant'), 'image/webp');
    expect(await store.streamPublic('uploads/u1/abc')).toBeNull();
    expect(await store.streamPublic('../objects/uploads/u1/abc')).toBeNull();
    const variant = await store.streamPublic('p/1/v.webp');
    expect(variant?.size).toBe(7);
    variant?.body.destroy();
    const original = await store.stream('uploads/u1/abc');
    expect(original?.size).toBe(8);
    original?.body.destroy();
  });

  it('reads a stream whole only up to a bound', async () => {
    expect((await readBounded(Readable.from([Buffer.from('abc'), Buffer.from('de')]), 5)).toString()).toBe(
      'abcde',
    );
    const over = await readBounded(Readable.from([Buffer.alloc(4), Buffer.alloc(4)]), 5).catch(
      (e: unknown) => e,
    );
    expect((over as { code?: string }).code).toBe('payload_too_large');
  });

  it('serves objects under <publicBaseUrl>/blobs/<key>', () => {
    expect(store.publicUrl('photos/ab/thumb.webp')).toBe(
      'http://127.0.0.1:3000/storage/blobs/photos/ab/thumb.webp',
    );
  });

  it('signs upload targets that the storage role can verify', async () => {
    const expiresAt = new Date(Date.now() + 10 * 60_000);
    const target = await store.createUploadTarget({
      key: 'uploads/42',
      contentType: 'image/png',
      maxBytes: 1000,
      expiresAt,
    });
    expect(target.method).toBe('PUT');
    expect(target.headers).toEqual({ 'content-type': 'image/png' });
    const url = new URL(target.url);
    expect(url.origin + url.pathname).toBe('http://127.0.0.1:3000/storage/uploads/uploads/42');
    const q = Object.fromEntries(url.searchParams) as Record<'ct' | 'max' | 'exp' | 'sig', string>;
    expect(verifyUploadSignature({ key: 'uploads/42', ...q }, SECRET)).toEqual({
      ok: true,
      contentType: 'image/png',
      maxBytes: 1000,
    });
  });
});

describe('verifyUploadSignature', () => {
  const now = Date.UTC(2026, 0, 1);
  let good: { key: string; ct: string; max: string; exp: string; sig: string };
  beforeEach(async () => {
    const { store } = await makeStore();
    const expiresAt = new Date(now + 60_000);
    const target = await store.createUploadTarget({
      key: 'uploads/7',
      contentType: 'image/jpeg',
      maxBytes: 5000,
      expiresAt,
    });
    const q = new URL(target.url).searchParams;
    good = { key: 'uploads/7', ct: q.get('ct')!, max: q.get('max')!, exp: q.get('exp')!, sig: q.get('sig')! };
  });

  it('accepts an untouched signature before it expires', () => {
    expect(verifyUploadSignature(good, SECRET, now)).toEqual({
      ok: true,
      contentType: 'image/jpeg',
      maxBytes: 5000,
    });
  });

  it('refuses any changed field or another secret', () => {
    const changed = [
      { ...good, key: 'uploads/8' },
      { ...good, ct: 'image/png' },
      { ...good, max: '5001' },
      { ...good, exp: String(Number(good.exp) + 3600) },
      { ...good, sig: good.sig.slice(0, -2) + (good.sig.endsWith('AA') ? 'BB' : 'AA') },
    ];
    for (const q of changed)
      expect(verifyUploadSignature(q, SECRET, now)).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifyUploadSignature(good, 'another-secret-entirely!', now).ok).toBe(false);
  });

  it('refuses an expired signature', () => {
    expect(verifyUploadSignature(good, SECRET, now + 60_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses garbage without throwing', () => {
    const garbage = [
      { ...good, sig: '' },
      { ...good, sig: '!!!not base64!!!' },
      { ...good, max: '-1' },
      { ...good, max: '1e9' },
      { ...good, exp: 'soon' },
      { ...good, key: '../x' },
      { ...good, ct: '' },
      {},
      null,
      { key: 1, ct: [], max: {}, exp: null, sig: undefined },
    ];
    for (const q of garbage) expect(verifyUploadSignature(q as never, SECRET, now).ok).toBe(false);
  });
});

describe('LocalDiskBlobStore.putStream', () => {
  let store: LocalDiskBlobStore;
  let dir: string;
  beforeEach(async () => ({ store, dir } = await makeStore()));
  const chunks = (n: number) => Readable.from(Array.from({ length: n }, (_, i) => Buffer.alloc(1000, i)));

  it('leaves no temporary file behind, whether the body is stored, refused, broken or not placed', async () => {
    async function* broken() {
      yield Buffer.alloc(100);
      throw new Error('connection reset');
    }
    await store.putStream('uploads/a', chunks(10), 'image/jpeg', { maxBytes: 10_000 });
    await store.putStream('uploads/b', chunks(11), 'image/jpeg', { maxBytes: 10_000 }).catch(() => {});
    await store.putStream('uploads/c', Readable.from(broken()), 'image/jpeg').catch(() => {});
    await store.putStream('uploads/d', chunks(1), 'image/jpeg', { commit: async () => {} });
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    expect(await store.head('uploads/a')).toEqual({ size: 10_000, contentType: 'image/jpeg' });
  });
});
