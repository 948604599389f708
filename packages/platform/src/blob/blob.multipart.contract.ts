import { describe, expect, it } from 'vitest';
import { BlobChangedError, MultipartGoneError, type BlobStore, type MultipartUploads } from '../ports.ts';

// S3's smallest part but the last.
const PART = 5 * 1024 * 1024;
const partBody = (n: number, size: number) => Buffer.alloc(size, n);

async function sendPart(url: string, body: Buffer): Promise<string> {
  const res = await fetch(url, { method: 'PUT', body: new Uint8Array(body) });
  expect(res.status).toBe(200);
  return (res.headers.get('etag') ?? '').replace(/"/g, '');
}

/** Multipart uploads and ETag-pinned reads, for adapters that have them (the local disk store has neither). */
export function multipartContract(name: string, factory: () => Promise<BlobStore>): void {
  describe(`BlobStore contract, multipart: ${name}`, () => {
    const setup = async () => {
      const store = await factory();
      const key = `uploads/m${Math.random().toString(36).slice(2)}/original`;
      return { store, key, mp: store.multipart as MultipartUploads };
    };
    const soon = () => new Date(Date.now() + 600_000);

    it('joins parts sent to signed URLs, in order, into one object', async (ctx) => {
      const { store, key, mp } = await setup();
      if (!store.multipart) return ctx.skip();
      const id = await mp.create({ key, contentType: 'image/jpeg' });
      expect(await mp.listParts(key, id)).toEqual([]);
      const urls = await mp.signParts({ key, multipartId: id, partNumbers: [2, 1], expiresAt: soon() });
      expect(urls.map((u) => u.partNumber)).toEqual([2, 1]);
      const etag2 = await sendPart(urls[0]!.url, partBody(2, 1000));
      const etag1 = await sendPart(urls[1]!.url, partBody(1, PART));
      const parts = await mp.listParts(key, id);
      expect(parts).toEqual([
        { partNumber: 1, size: PART, etag: etag1 },
        { partNumber: 2, size: 1000, etag: etag2 },
      ]);
      expect(await store.head(key)).toBeNull();
      await mp.complete(key, id, parts);
      const got = await store.get(key);
      expect(got?.size).toBe(PART + 1000);
      expect(got?.contentType).toBe('image/jpeg');
      expect(got?.body[PART - 1]).toBe(1);
      expect(got?.body[PART]).toBe(2);
      await store.delete([key]);
    });

    it('takes a part sent again in place of the first copy', async (ctx) => {
      const { store, key, mp } = await setup();
      if (!store.multipart) return ctx.skip();
      const id = await mp.create({ key, contentType: 'image/png' });
      const [part] = await mp.signParts({ key, multipartId: id, partNumbers: [1], expiresAt: soon() });
      await sendPart(part!.url, partBody(7, 10));
      const etag = await sendPart(part!.url, partBody(8, 20));
      expect(await mp.listParts(key, id)).toEqual([{ partNumber: 1, size: 20, etag }]);
      await mp.abort(key, id);
    });

    it('drops an aborted upload with its parts, and aborting twice is fine', async (ctx) => {
      const { store, key, mp } = await setup();
      if (!store.multipart) return ctx.skip();
      const id = await mp.create({ key, contentType: 'image/jpeg' });
      const [part] = await mp.signParts({ key, multipartId: id, partNumbers: [1], expiresAt: soon() });
      await sendPart(part!.url, partBody(1, 100));
      await mp.abort(key, id);
      await mp.abort(key, id);
      await expect(mp.listParts(key, id)).rejects.toBeInstanceOf(MultipartGoneError);
      await expect(mp.complete(key, id, [{ partNumber: 1, size: 100, etag: 'x' }])).rejects.toThrow();
      expect(await store.head(key)).toBeNull();
    });

    it('refuses part numbers outside 1…10000 and expiries in the past', async (ctx) => {
      const { store, key, mp } = await setup();
      if (!store.multipart) return ctx.skip();
      const id = await mp.create({ key, contentType: 'image/jpeg' });
      for (const n of [0, -1, 10_001, 1.5])
        await expect(
          mp.signParts({ key, multipartId: id, partNumbers: [n], expiresAt: soon() }),
        ).rejects.toThrow();
      await expect(
        mp.signParts({ key, multipartId: id, partNumbers: [1], expiresAt: new Date(Date.now() - 1000) }),
      ).rejects.toThrow();
      await mp.abort(key, id);
    });

    it('reads with ifMatch only the object that was checked', async (ctx) => {
      const { store, key } = await setup();
      await store.put(key, Buffer.from('first'), 'image/jpeg');
      const checked = await store.head(key);
      if (!checked?.etag) return ctx.skip();
      expect((await store.get(key, { ifMatch: checked.etag }))?.body.toString()).toBe('first');
      await store.put(key, Buffer.from('swapped'), 'image/jpeg');
      await expect(store.get(key, { ifMatch: checked.etag })).rejects.toBeInstanceOf(BlobChangedError);
      await expect(store.stream(key, { ifMatch: checked.etag })).rejects.toBeInstanceOf(BlobChangedError);
      await store.delete([key]);
    });
  });
}
