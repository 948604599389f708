import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import type { UserEvent } from '@graminsta/contracts';
import { rawQuery } from '@graminsta/core/testing/test-db';
import { jpegWithGps } from '../testing/images.ts';
import { createTestApp, type TestApp } from '../testing/test-app.ts';
import { startWorker, type Worker } from '../worker/worker.ts';

/**
 * The path of `post.new` in one process (stage 1): the worker processes a post, its becoming
 * ready books `post.announce`, whose handler tells the author's followers who hold a socket here.
 */
describe('post.new from a post becoming ready', () => {
  let t: TestApp;
  let worker: Worker;
  beforeAll(async () => {
    t = await createTestApp();
    worker = await startWorker(t.comp, pino({ level: 'silent' }));
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.close();
  });

  const call = (method: string, url: string, token?: string, payload?: unknown) =>
    t.app.inject({
      method: method as 'GET',
      url: `/api/v1${url}`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
  const idOf = async (token: string) => (await call('GET', '/me', token)).json().id as string;

  it('reaches the online follower, and no one else', async () => {
    const author = await t.signUp('author');
    const online = await t.signUp('online_fan');
    const offline = await t.signUp('offline_fan');
    for (const fan of [online, offline])
      expect((await call('PUT', '/users/author/follow', fan)).statusCode).toBeLessThan(300);
    const [authorId, onlineId, offlineId] = await Promise.all([author, online, offline].map(idOf));

    // What a realtime socket of this process does once authenticated.
    const release = t.comp.presence.hold(onlineId!);
    const heard: UserEvent[] = [];
    const stop = await t.comp.services.events.subscribe(onlineId!, (e) => heard.push(e));

    const jpeg = await jpegWithGps(400, 300);
    const up = await call('POST', '/uploads', author, { contentType: 'image/jpeg', size: jpeg.length });
    expect((await t.sendUpload(up.json().upload, jpeg)).statusCode).toBe(201);
    const created = await call('POST', '/photos', author, { uploadId: up.json().uploadId, caption: 'new' });
    expect(created.statusCode).toBe(202);
    const photoId = created.json().id as string;

    await vi.waitFor(() => expect(heard.length).toBeGreaterThan(0), { timeout: 60_000, interval: 50 });
    expect(heard).toEqual([
      {
        id: expect.any(String),
        type: 'post.new',
        data: { photoId, author: { id: authorId, username: 'author' } },
      },
    ]);
    const { rows } = await rawQuery(
      t.comp.database,
      `select user_id::text as "userId" from user_events where type = 'post.new'`,
    );
    expect(rows).toEqual([{ userId: onlineId }]);
    expect(rows.some((r) => r.userId === offlineId)).toBe(false);
    await stop();
    release();
  });
});
