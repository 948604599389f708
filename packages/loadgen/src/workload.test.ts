import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '@graminsta/server/testing/server-process';
import { ENDPOINTS, runWorkload, type Endpoint, type ResponseEvent, type WriteRecord } from './workload.ts';

const INSTANCE = 'load-test-1';

interface PhotoJson {
  id: string;
  caption: string;
  status: string;
  likeCount: number;
  commentCount: number;
}

/** Read anonymously, as any visitor: photos, explore and comments are public. */
async function get<T>(base: string, path: string): Promise<T> {
  const res = await fetch(new URL(path, base));
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Every item of a keyset-paginated list. */
async function all<T>(base: string, path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const query = `${sep}limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page: { items: T[]; nextCursor: string | null } = await get(base, path + query);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** A freshly posted photo is processing; explore lists it once its variants exist. */
async function exploreWhenReady(base: string, expected: number): Promise<PhotoJson[]> {
  for (let i = 0; ; i++) {
    const photos = await all<PhotoJson>(base, '/api/v1/explore');
    if (photos.length >= expected || i >= 300) return photos;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the load driver against a running server', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ INSTANCE_ID: INSTANCE });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs every endpoint of the mix without an error, and each write it logs was applied exactly once', async () => {
    const events: ResponseEvent[] = [];
    const report = await runWorkload({
      baseUrl: server.url,
      signup: 3,
      actions: 150,
      concurrency: 4,
      onResponse: (e) => events.push(e),
    });

    expect(report.stoppedBy).toBe('actions');
    expect(Object.values(report.actions).reduce((a, b) => a + b, 0)).toBe(150);
    for (const endpoint of Object.keys(ENDPOINTS) as Endpoint[])
      expect(report.endpoints[endpoint].count, endpoint).toBeGreaterThan(0);
    expect(report.totals).toMatchObject({ errors: 0, failed: 0 });
    expect(report.totals.count).toBe(events.length);
    expect(report.servedBy).toEqual({ [INSTANCE]: report.totals.count });
    expect(new Set(events.map((e) => e.servedBy))).toEqual(new Set([INSTANCE]));

    const writes = report.writes;
    expect(writes.every((w) => w.ok && w.attempts.length === 1)).toBe(true);
    expect(new Set(writes.map((w) => w.idempotencyKey)).size).toBe(writes.length);
    // Every write request went out with its key.
    const keyed = events.filter((e) => e.idempotencyKey !== null).map((e) => e.idempotencyKey);
    expect(keyed.sort()).toEqual(writes.map((w) => w.idempotencyKey).sort());

    const ofKind = (kind: WriteRecord['endpoint']) => writes.filter((w) => w.endpoint === kind);
    const created = ofKind('create-photo');
    expect(ofKind('upload')).toHaveLength(created.length);
    // Three users posted two photos each before the run.
    const photos = await exploreWhenReady(server.url, 6 + created.length);
    expect(photos).toHaveLength(6 + created.length);
    for (const w of created) {
      const photo = photos.find((p) => p.id === w.createdId);
      expect(photo?.caption).toBe((w.body as { caption: string }).caption);
    }

    // The comments on the site are exactly the ones the log says were made, each once.
    const commentWrites = ofKind('comment');
    const logged = new Map(commentWrites.map((w) => [w.createdId!, w]));
    const seen: string[] = [];
    for (const photo of photos) {
      const comments = await all<{ id: string; body: string; photoId: string }>(
        server.url,
        `/api/v1/photos/${photo.id}/comments`,
      );
      expect(photo.commentCount).toBe(comments.length);
      for (const c of comments) {
        const w = logged.get(c.id);
        expect(w, `comment ${c.id} is not in the write log`).toBeDefined();
        expect(c.body).toBe((w!.body as { body: string }).body);
        expect(c.photoId).toBe(w!.photoId);
        seen.push(c.id);
      }
    }
    expect(seen.sort()).toEqual([...logged.keys()].sort());

    // Likes are idempotent by nature: one per user and photo, however often it was sent.
    for (const photo of photos) {
      const likers = new Set(
        ofKind('like')
          .filter((w) => w.photoId === photo.id)
          .map((w) => w.user),
      );
      expect(photo.likeCount, `likes of ${photo.id}`).toBe(likers.size);
    }
  }, 240_000);

  it('stops starting actions when its signal is aborted, and by time', async () => {
    const controller = new AbortController();
    let responses = 0;
    const report = await runWorkload({
      baseUrl: server.url,
      signup: 1,
      photosPerUser: 0,
      durationMs: 120_000,
      concurrency: 2,
      mix: { feed: 1, photo: 1 },
      signal: controller.signal,
      onResponse: () => {
        if (++responses === 10) controller.abort();
      },
    });
    expect(report.stoppedBy).toBe('signal');
    // The two actions in flight finish; nothing new starts.
    expect(report.totals.count).toBeGreaterThanOrEqual(10);
    expect(report.totals.count).toBeLessThanOrEqual(11);
    expect(report.endpoints.comment.count).toBe(0);

    const timed = await runWorkload({ baseUrl: server.url, signup: 1, photosPerUser: 0, durationMs: 300 });
    expect(timed.stoppedBy).toBe('duration');
  }, 120_000);

  it('refuses to load a host that is not loopback unless told to', async () => {
    await expect(runWorkload({ baseUrl: 'http://example.com', signup: 1, actions: 1 })).rejects.toThrow(
      /not a loopback host/,
    );
  });
});
