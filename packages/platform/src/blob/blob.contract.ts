import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../ports.ts';
import { PayloadTooLargeError } from './upload-stream.ts';
import { multipartContract } from './blob.multipart.contract.ts';

const chunks = (n: number, size: number) =>
  Readable.from(Array.from({ length: n }, (_, i) => Buffer.alloc(size, i)));

/** The behaviour every BlobStore adapter shares. Keys are prefixed per test so a shared bucket is fine. */
export function blobContract(name: string, factory: () => Promise<BlobStore>): void {
  multipartContract(name, factory);
  describe(`BlobStore contract: ${name}`, () => {
    let store: BlobStore;
    let prefix: string;
    const k = (key: string) => `${prefix}/${key}`;

    beforeEach(async () => {
      store = await factory();
      prefix = `t${Math.random().toString(36).slice(2)}`;
    });

    it('gives back the bytes and content type that were put', async () => {
      const body = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      await store.put(k('photos/ab/full.webp'), body, 'image/webp');
      const got = await store.get(k('photos/ab/full.webp'));
      expect(got?.contentType).toBe('image/webp');
      expect(got?.size).toBe(256);
      expect(got?.body.equals(body)).toBe(true);
      expect(await store.head(k('photos/ab/full.webp'))).toMatchObject({
        size: 256,
        contentType: 'image/webp',
      });
    });

    it('answers null for a key that was never put', async () => {
      expect(await store.get(k('missing.jpg'))).toBeNull();
      expect(await store.head(k('missing.jpg'))).toBeNull();
    });

    it('streams an object with its size and content type, and answers null for a missing one', async () => {
      const body = Buffer.alloc(300_000, 7);
      body.write('start', 0);
      body.write('end', body.length - 3);
      await store.put(k('big.jpg'), body, 'image/jpeg');
      const got = await store.stream(k('big.jpg'));
      expect(got).toMatchObject({ contentType: 'image/jpeg', size: body.length });
      expect((await buffer(got!.body)).equals(body)).toBe(true);
      expect(await store.stream(k('never.jpg'))).toBeNull();
    });

    it('stores a body streamed in chunks and answers its size', async () => {
      expect(
        await store.putStream(k('uploads/a'), chunks(10, 1000), 'image/jpeg', { maxBytes: 10_000 }),
      ).toBe(10_000);
      const got = await store.get(k('uploads/a'));
      expect(got).toMatchObject({ size: 10_000, contentType: 'image/jpeg' });
      expect(got?.body[9_999]).toBe(9);
    });

    it('refuses a streamed body over maxBytes and keeps nothing', async () => {
      const put = store.putStream(k('uploads/b'), chunks(11, 1000), 'image/jpeg', { maxBytes: 10_000 });
      await expect(put).rejects.toBeInstanceOf(PayloadTooLargeError);
      expect(await store.head(k('uploads/b'))).toBeNull();
    });

    it('keeps nothing when a streamed body breaks off half way', async () => {
      async function* broken() {
        yield Buffer.alloc(100);
        throw new Error('connection reset');
      }
      await expect(store.putStream(k('uploads/c'), Readable.from(broken()), 'image/jpeg')).rejects.toThrow(
        'connection reset',
      );
      expect(await store.head(k('uploads/c'))).toBeNull();
    });

    it('shows a streamed object only once commit places it, and nothing when commit fails first', async () => {
      const seenBefore: unknown[] = [];
      await store.putStream(k('uploads/d'), chunks(2, 10), 'image/png', {
        commit: async (place) => {
          seenBefore.push(await store.head(k('uploads/d')));
          await place();
        },
      });
      expect(seenBefore).toEqual([null]);
      expect(await store.head(k('uploads/d'))).toMatchObject({ size: 20, contentType: 'image/png' });

      const refused = store.putStream(k('uploads/e'), chunks(2, 10), 'image/png', {
        commit: async () => {
          throw new Error('target already used');
        },
      });
      await expect(refused).rejects.toThrow('target already used');
      await store.putStream(k('uploads/f'), chunks(1, 10), 'image/png', { commit: async () => {} });
      expect(await store.head(k('uploads/e'))).toBeNull();
      expect(await store.head(k('uploads/f'))).toBeNull();
    });

    it('keeps uploaded originals private: no public URL for an uploads/ key', async () => {
      // The store puts the prefix first: an uploads/ key is what the upload targets use.
      const key = `uploads/${prefix}/original`;
      await store.put(key, Buffer.from('exif and all'), 'image/jpeg');
      expect((await store.get(key))?.body.toString()).toBe('exif and all');
      expect(() => store.publicUrl(key)).toThrow(/private/);
      await store.delete([key]);
    });

    it('replaces an object put again under the same key', async () => {
      await store.put(k('a.bin'), Buffer.from('first'), 'application/octet-stream');
      await store.put(k('a.bin'), Buffer.from('second!'), 'text/plain');
      const got = await store.get(k('a.bin'));
      expect(got?.body.toString()).toBe('second!');
      expect(await store.head(k('a.bin'))).toMatchObject({ size: 7, contentType: 'text/plain' });
    });

    it('deletes several objects at once and ignores missing ones', async () => {
      await store.put(k('a.jpg'), Buffer.from('a'), 'image/jpeg');
      await store.put(k('b.jpg'), Buffer.from('b'), 'image/jpeg');
      await store.put(k('c.jpg'), Buffer.from('c'), 'image/jpeg');
      await store.delete([k('a.jpg'), k('b.jpg'), k('never.jpg')]);
      await store.delete([]);
      expect(await store.get(k('a.jpg'))).toBeNull();
      expect(await store.head(k('b.jpg'))).toBeNull();
      expect((await store.get(k('c.jpg')))?.body.toString()).toBe('c');
    });

    it('gives each key one stable absolute public URL', () => {
      const url = store.publicUrl(k('photos/x/thumb.webp'));
      expect(new URL(url).protocol).toMatch(/^https?:$/);
      expect(store.publicUrl(k('photos/x/thumb.webp'))).toBe(url);
      expect(store.publicUrl(k('photos/x/feed.webp'))).not.toBe(url);
      expect(url).toContain('photos/x/thumb.webp');
    });

    it('hands out an upload target bound to the key and content type', async () => {
      const req = {
        key: k('uploads/u1'),
        contentType: 'image/jpeg',
        maxBytes: 5_000_000,
        expiresAt: new Date(Date.now() + 600_000),
      };
      const target = await store.createUploadTarget(req);
      expect(['PUT', 'POST']).toContain(target.method);
      expect(new URL(target.url).protocol).toMatch(/^https?:$/);
      if (target.method === 'PUT') expect(target.headers?.['content-type']).toBe('image/jpeg');
      else expect(target.fields).toBeDefined();
      const other = await store.createUploadTarget({ ...req, key: k('uploads/u2') });
      expect(JSON.stringify(other)).not.toBe(JSON.stringify(target));
    });
  });
}
