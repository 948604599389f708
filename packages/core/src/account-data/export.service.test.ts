import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountExports } from '../db/schema.ts';
import {
  createDataWorld,
  gpsJpeg,
  makeAccount,
  readAll,
  readyPost,
  unzip,
  type DataWorld,
} from './account-data.fixtures.ts';
import { EXPORT_TTL_MS, ExportService } from './export.service.ts';
import { exportKey } from './export-zip.ts';

describe('account export', () => {
  let w: DataWorld;
  let alice: string;
  let bob: string;
  const captions = ['two views #paris #dusk', 'just one'];

  beforeAll(async () => {
    w = await createDataWorld();
    alice = await makeAccount(w, 'alice');
    bob = await makeAccount(w, 'bob');
    await readyPost(w, alice, [await gpsJpeg(), await gpsJpeg(480, 640, '#2060c0')], captions[0]);
    await readyPost(w, alice, [await gpsJpeg(320, 240, '#20c060')], captions[1]);
    const bobs = await readyPost(w, bob, [await gpsJpeg(200, 200, '#808080')], 'bob posts');
    await w.users.follow(bob, 'alice');
    await w.users.follow(alice, 'bob');
    await w.comments.create(alice, bobs.id, 'nice one, bob');
    await w.photos.like(alice, bobs.id);
    await w.photos.save(alice, bobs.id);
  }, 60_000);
  afterAll(() => w.close());

  async function zipOf(exportId: string) {
    const got = await w.exports.download(alice, exportId);
    return unzip(await readAll(got.body));
  }

  it('answers the pending export to a second request, then builds a zip of everything with images stripped of EXIF', async () => {
    const first = await w.exports.request(alice);
    expect(first).toMatchObject({ status: 'pending', url: null });
    expect((await w.exports.request(alice)).id).toBe(first.id);
    expect((await w.db.select().from(accountExports)).length).toBe(1);
    // The source really carried a position: the test would prove nothing otherwise.
    expect((await sharp(await gpsJpeg()).metadata()).exif).toBeDefined();

    await w.exports.build(first.id);
    const files = await zipOf(first.id);
    const json = (name: string) => JSON.parse(files.get(name)!.toString('utf8')) as unknown;

    const account = json('account.json') as Record<string, unknown>;
    expect(account).toMatchObject({ username: 'alice', email: 'alice@example.org', followerCount: 1 });
    for (const [name, bytes] of files)
      if (name.endsWith('.json')) expect(bytes.toString('utf8')).not.toMatch(/password|scrypt|token/i);

    const posts = json('posts.json') as Array<{
      caption: string;
      tags: string[];
      items: Array<{ altText: string; file: string }>;
    }>;
    expect(posts.map((p) => p.caption)).toEqual(captions);
    expect(posts[0]!.tags).toEqual(['dusk', 'paris']);
    expect(posts.map((p) => p.items.map((i) => i.altText))).toEqual([['alt 1', 'alt 2'], ['alt 1']]);
    const images = posts.flatMap((p) => p.items.map((i) => i.file));
    expect(images).toHaveLength(3);
    const sizes = [];
    for (const file of images) {
      const bytes = files.get(file);
      expect(bytes, file).toBeDefined();
      const meta = await sharp(bytes).metadata();
      expect(meta.exif, `${file} has EXIF`).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      sizes.push([meta.width, meta.height]);
    }
    // The largest copy kept: the full-size variant, as big as the upload.
    expect(sizes).toEqual([
      [640, 480],
      [480, 640],
      [320, 240],
    ]);

    expect(json('comments.json')).toEqual([expect.objectContaining({ body: 'nice one, bob' })]);
    expect(json('follows.json')).toMatchObject({
      followers: [{ username: 'bob' }],
      following: [{ username: 'bob' }],
    });
    expect(json('likes.json')).toHaveLength(1);
    expect(json('saved.json')).toHaveLength(1);
  });

  it('announces a ready export with a notification that links to it, and keeps the zip private', async () => {
    const latest = (await w.exports.latest(alice)).export!;
    expect(latest.status).toBe('ready');
    expect(latest.url).toBe(`/api/v1/me/exports/${latest.id}`);
    const { items } = await w.notifications.list(alice, { limit: 20 });
    const ready = items.find((n) => n.type === 'export_ready');
    expect(ready?.export).toEqual({ id: latest.id, url: latest.url, expiresAt: latest.expiresAt });
    const [row] = await w.db.select().from(accountExports);
    expect(row!.key).toMatch(/^uploads\//);
    expect(() => w.blobs.publicUrl(row!.key!)).toThrow();
  });

  it("answers not found for another user's export, and gone once it expired; housekeeping removes it", async () => {
    const { id } = (await w.exports.latest(alice)).export!;
    await expect(w.exports.download(bob, id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(w.exports.download(alice, '12345')).rejects.toMatchObject({ code: 'not_found' });
    const [row] = await w.db.select().from(accountExports);
    w.clock.now = new Date(Date.now() + EXPORT_TTL_MS + 1000);
    await expect(w.exports.download(alice, id)).rejects.toMatchObject({ code: 'gone' });
    expect(await w.exports.pruneExpired(w.clock.now)).toBe(1);
    expect(await w.blobs.head(row!.key!)).toBeNull();
    expect(await w.db.select().from(accountExports)).toEqual([]);
    const { items } = await w.notifications.list(alice, { limit: 20 });
    expect(items.some((n) => n.type === 'export_ready')).toBe(false);
  });

  it('removes the zip of an export whose row went while it was written (its account being deleted)', async () => {
    const asked = await w.exports.request(bob);
    const key = exportKey(bob, asked.id);
    const blobs = Object.assign(Object.create(w.blobs) as typeof w.blobs, {
      putStream: async (...args: Parameters<typeof w.blobs.putStream>) => {
        const size = await w.blobs.putStream(...args);
        await w.db.delete(accountExports).where(eq(accountExports.id, asked.id));
        return size;
      },
    });
    const racing = new ExportService({ db: w.db, blobs, queue: w.queue, notifier: w.notifier });
    await racing.build(asked.id);
    expect(await w.blobs.head(key)).toBeNull();
  });
});
