import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import exifr from 'exifr';
import WebSocket from 'ws';
import { expect } from 'vitest';
import { jpegWithGps, webpChunkIds } from './images.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** A /ws client that collects events. */
function openSocket(base: string, token: string, lastEventId?: string) {
  const events: Json[] = [];
  const ws = new WebSocket(base.replace(/^http/, 'ws') + '/ws');
  const ready = new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString()) as Json;
      if (msg.type === 'ready') resolve();
      else if (msg.id) events.push(msg);
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', token, lastEventId })));
  });
  const waitFor = async (pred: (e: Json) => boolean, what: string) => {
    for (let i = 0; i < 200; i++) {
      const found = events.find(pred);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${what} event; got ${JSON.stringify(events)}`);
  };
  return { ws, events, ready, waitFor };
}

/**
 * The whole API journey of two people, through whatever front door `baseUrl` is (one process,
 * or a load balancer): sign-up, upload with GPS EXIF, variants without it, follow, feed, like,
 * comment, live and resumed events, notifications, delete with its stored objects.
 */
export async function apiJourney(baseUrl: string, dataDir: string): Promise<void> {
  const server = { url: baseUrl, dataDir };
  const api = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Json };
  };

  const a = await api('POST', '/accounts', undefined, { username: 'alice', password: 'alice password 1' });
  const b = await api('POST', '/accounts', undefined, { username: 'Bob_2', password: 'bob password 22' });
  expect(a.status).toBe(201);
  expect(b.status).toBe(201);
  const tokenA = a.body.token as string;
  const tokenB = b.body.token as string;

  // Alice listens for live events from the start.
  const aliceSocket = openSocket(server.url, tokenA);
  await aliceSocket.ready;

  // Two-step upload of a real JPEG carrying GPS EXIF.
  const jpeg = await jpegWithGps();
  expect((await exifr.gps(jpeg))?.latitude).toBeCloseTo(48.856, 2);
  const up = await api('POST', '/uploads', tokenA, { contentType: 'image/jpeg', size: jpeg.length });
  expect(up.status).toBe(201);
  const put = await fetch(new URL(up.body.upload.url, server.url), {
    method: 'PUT',
    headers: up.body.upload.headers,
    body: new Uint8Array(jpeg),
  });
  expect(put.status).toBe(201);
  const created = await api('POST', '/photos', tokenA, {
    uploadId: up.body.uploadId,
    caption: 'Paris at noon #travel',
    altText: 'A blue circle on orange',
  });
  expect(created.status).toBe(202);
  expect(created.body.status).toBe('processing');
  const photoId = created.body.id as string;
  await aliceSocket.waitFor((e) => e.type === 'photo.ready', 'photo.ready');

  // Bob follows Alice and finds the photo in his feed, with variants.
  expect((await api('PUT', '/users/alice/follow', tokenB)).body).toMatchObject({
    following: true,
    followerCount: 1,
  });
  const feed = await api('GET', '/feed', tokenB);
  expect(feed.body.items.map((p: Json) => p.id)).toEqual([photoId]);
  const photo = feed.body.items[0] as Json;
  expect(photo.status).toBe('ready');
  // Stage 1 links to storage relative to the API's origin.
  const variants = photo.variants as Record<string, { url: string }>;
  expect(Object.keys(variants).sort()).toEqual(['thumb', 'w1080', 'w2048', 'w640']);
  const variantUrls = Object.values(variants).map((v) => new URL(v.url, server.url).toString());
  for (const url of variantUrls) {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(webpChunkIds(bytes).filter((id) => ['EXIF', 'XMP ', 'ICCP'].includes(id))).toEqual([]);
    expect(bytes.includes(Buffer.from('TestCam'))).toBe(false);
  }

  // Likes and comments reach Alice live, and as notifications.
  expect((await api('PUT', `/photos/${photoId}/like`, tokenB)).body).toEqual({ liked: true, likeCount: 1 });
  const comment = await api('POST', `/photos/${photoId}/comments`, tokenB, { body: 'Lovely light!' });
  expect(comment.status).toBe(201);
  const live = await aliceSocket.waitFor(
    (e) => e.type === 'notification' && e.data.type === 'comment',
    'comment notification',
  );
  expect(live.data.actor.username).toBe('Bob_2');
  const kinds = aliceSocket.events.filter((e) => e.type === 'notification').map((e) => e.data.type);
  expect(kinds).toEqual(['follow', 'like', 'comment']);
  aliceSocket.ws.close();

  // A reconnecting client gets what it missed after the last id it saw.
  const firstId = aliceSocket.events[0]!.id as string;
  const resumed = openSocket(server.url, tokenA, firstId);
  await resumed.ready;
  await resumed.waitFor((e) => e.data?.type === 'comment', 'replayed comment');
  expect(resumed.events.every((e) => BigInt(e.id) > BigInt(firstId))).toBe(true);
  resumed.ws.close();

  const notes = await api('GET', '/notifications', tokenA);
  expect(notes.body.items.map((n: Json) => n.type)).toEqual(['comment', 'like', 'follow']);
  expect(notes.body.unreadCount).toBe(3);

  // Deleting the photo deletes its stored objects.
  const blobDir = join(server.dataDir, 'blobs');
  expect((await listFiles(blobDir)).length).toBeGreaterThan(0);
  expect((await api('DELETE', `/photos/${photoId}`, tokenA)).status).toBe(200);
  for (const url of variantUrls) expect((await fetch(url)).status).toBe(404);
  expect(await listFiles(blobDir)).toEqual([]);
  expect((await api('GET', `/photos/${photoId}`, tokenB)).status).toBe(404);
}
