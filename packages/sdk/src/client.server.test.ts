import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import WebSocket from 'ws';
import { MULTIPART_MIN_BYTES, endpoints, type EndpointName, type UserEvent } from '@graminsta/contracts';
import { RealtimeGateway } from '@graminsta/server/realtime/gateway';
import { jpegWithGps } from '@graminsta/server/testing/images';
import { freePort } from '@graminsta/topology';
import { createS3TestApp, type S3TestApp } from '@graminsta/server/testing/s3-test-app';
import { startTestPrometheus, type TestPrometheus } from '@graminsta/server/testing/test-prometheus';
import { outboxMails, waitForLink } from '@graminsta/server/testing/mail';
import { startWorker, type Worker } from '@graminsta/server/worker/worker';
import { ApiError } from './api-error.ts';
import { GraminstaClient } from './client.ts';
import type { FetchLike } from './http.ts';
import type { WebSocketConstructor } from './realtime.ts';

// The SDK over real fetch and a real socket against every role in one process, with the S3
// adapter on a real s3rver: uploads go straight to the object store, as at stage 5.
let t: S3TestApp;
let gateway: RealtimeGateway;
let worker: Worker;
let base: string;
let prometheus: TestPrometheus;
const client = (token?: string) => new GraminstaClient({ baseUrl: base, token });

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // A real Prometheus scraping the app, so that the operations page's charts answer too.
  prometheus = await startTestPrometheus([{ job: 'api', targets: [{ address: `127.0.0.1:${port}` }] }]);
  t = await createS3TestApp({
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_API_URL: base,
    PROMETHEUS_URL: prometheus.url,
  });
  const logger = pino({ level: 'silent' });
  worker = await startWorker(t.comp, logger);
  gateway = new RealtimeGateway({
    accounts: t.comp.services.accounts,
    events: t.comp.services.events,
    logger,
    trustedOrigin: () => false, // the SDK authenticates with its token, never the cookie
  });
  gateway.attach(t.app.server);
  await t.app.listen({ port, host: '127.0.0.1' });
  // Prometheus starts beside the app: a loaded CI machine needs more than the default hook time.
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  await worker?.stop();
  await t?.close();
  await prometheus?.stop();
});

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('GraminstaClient against a running API', () => {
  it('signs up, logs in, edits the profile and logs out, with API errors as ApiError', async () => {
    const anon = client();
    const { user, token } = await anon.signUp({
      body: { username: 'sdk_ann', password: 'correct horse battery' },
    });
    expect(user.username).toBe('sdk_ann');

    const taken = await anon
      .signUp({ body: { username: 'sdk_ann', password: 'correct horse battery' } })
      .catch((e) => e);
    expect(taken).toBeInstanceOf(ApiError);
    expect(taken).toMatchObject({ status: 409, code: 'username_taken' });
    await expect(
      anon.logIn({ body: { username: 'sdk_ann', password: 'wrong password' } }),
    ).rejects.toMatchObject({
      status: 401,
    });
    await expect(anon.getMe()).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });

    const ann = client(token);
    expect((await ann.updateMe({ body: { displayName: 'Ann', bio: 'hello <b>there</b>' } })).bio).toBe(
      'hello <b>there</b>',
    );
    const again = await anon.logIn({ body: { username: 'sdk_ann', password: 'correct horse battery' } });
    expect((await client(again.token).getMe()).displayName).toBe('Ann');

    await client(again.token).logOut();
    await expect(client(again.token).getMe()).rejects.toMatchObject({ status: 401 });
  });

  it('follows, posts a photo through the two-step upload, hears photo.ready, likes, comments and notifies', async () => {
    const owner = client(
      (await client().signUp({ body: { username: 'sdk_owner', password: 'correct horse battery' } })).token,
    );
    const fan = client(
      (await client().signUp({ body: { username: 'sdk_fan', password: 'correct horse battery' } })).token,
    );

    expect(await fan.follow({ params: { username: 'sdk_owner' } })).toEqual({
      following: true,
      state: 'following',
      followerCount: 1,
    });
    expect(await fan.follow({ params: { username: 'sdk_owner' } })).toEqual({
      following: true,
      state: 'following',
      followerCount: 1,
    });
    expect((await fan.searchUsers({ query: { q: 'sdk_o' } })).items.map((u) => u.username)).toContain(
      'sdk_owner',
    );

    const events: UserEvent[] = [];
    const live = owner.realtime({ WebSocket: WebSocket as unknown as WebSocketConstructor, heartbeatMs: 0 });
    live.on('event', (e) => events.push(e));
    live.start();
    await until('socket ready', () => (live.status === 'ready' ? true : undefined));

    const jpeg = await jpegWithGps(640, 480);
    const fractions: number[] = [];
    const created = await owner.postPhoto(
      new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }),
      { caption: 'Dawn #SDKtest with @sdk_fan', altText: 'a quiet harbour' },
      (p) => fractions.push(p.fraction),
    );
    expect(created.status).toBe('processing');
    expect(fractions.at(-1)).toBe(1);

    const ready = await owner.waitForPhoto(created.id, { realtime: live });
    expect(ready).toMatchObject({ status: 'ready', photo: { id: created.id, status: 'ready' } });
    const readyEvent = await until('photo.ready', () => events.find((e) => e.type === 'photo.ready'));
    expect(readyEvent.type === 'photo.ready' && readyEvent.data.photo.id).toBe(created.id);
    const photo = await fan.getPhoto({ params: { id: created.id } });
    expect(photo.variants?.w640.url).toBeTruthy();
    expect(photo.tags).toEqual(['sdktest']);

    expect(await fan.like({ params: { id: photo.id } })).toEqual({ liked: true, likeCount: 1 });
    const comment = await fan.addComment({ params: { id: photo.id }, body: { body: 'lovely' } });
    expect((await owner.listComments({ params: { id: photo.id } })).items.map((c) => c.body)).toEqual([
      'lovely',
    ]);

    expect((await fan.feed()).items.map((p) => p.id)).toContain(photo.id);
    expect((await fan.tag({ params: { tag: 'sdktest' } })).items.map((p) => p.id)).toEqual([photo.id]);
    expect((await fan.listUserPhotos({ params: { username: 'sdk_owner' } })).items[0]?.likedByMe).toBe(true);

    const notes = await until('notifications', async () => {
      const page = await owner.notifications();
      return page.items.length >= 3 ? page : undefined;
    });
    expect(notes.items.map((n) => n.type).sort()).toEqual(['comment', 'follow', 'like']);
    expect(notes.unreadCount).toBe(3);
    expect((await owner.markNotificationsRead()).unreadCount).toBe(0);
    expect(await fan.deleteComment({ params: { id: comment.id } })).toEqual({ ok: true });
    expect((await owner.listComments({ params: { id: photo.id } })).items).toEqual([]);
    await until('live notification', () => events.find((e) => e.type === 'notification'));
    live.stop();

    await expect(fan.getPhoto({ params: { id: '999999999' } })).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
    });
  });

  it('posts several photos in order with postPhotos, each with its alt text and its own progress', async () => {
    const password = 'correct horse battery';
    const owner = client((await client().signUp({ body: { username: 'sdk_multi', password } })).token);
    const sizes: Array<[number, number]> = [
      [320, 240],
      [240, 360],
      [300, 300],
    ];
    const files = await Promise.all(
      sizes.map(
        async ([w, h]) => new Blob([new Uint8Array(await jpegWithGps(w, h))], { type: 'image/jpeg' }),
      ),
    );
    const last = new Map<number, number>();
    const created = await owner.postPhotos(
      files.map((file, i) => ({ file, altText: `photo ${i + 1}` })),
      { caption: 'three at once #sdkmulti', onProgress: (index, p) => last.set(index, p.fraction) },
    );
    expect(created.status).toBe('processing');
    expect([...last.entries()].sort()).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
    expect((await owner.waitForPhoto(created.id, { pollMs: 100 })).status).toBe('ready');
    const photo = await client().getPhoto({ params: { id: created.id } });
    expect(photo.media.map((m) => [m.altText, m.width, m.height])).toEqual([
      ['photo 1', 320, 240],
      ['photo 2', 240, 360],
      ['photo 3', 300, 300],
    ]);
    expect(photo).toMatchObject({ caption: 'three at once #sdkmulti', altText: 'photo 1', width: 320 });

    // The API refuses an empty post (400), which the SDK throws as an ApiError.
    await expect(owner.postPhotos([])).rejects.toMatchObject({ status: 400 });
  });

  it('sends a large file in parts, resumes the part whose connection dropped, and the photo becomes ready', async () => {
    const { token } = await client().signUp({
      body: { username: 'sdk_big', password: 'correct horse battery' },
    });
    const jpeg = await jpegWithGps(640, 480);
    // A real JPEG padded past the multipart threshold: decoders stop at the end-of-image marker.
    const bytes = Buffer.concat([jpeg, Buffer.alloc(MULTIPART_MIN_BYTES + 4096 - jpeg.length, 0x5a)]);
    const puts: string[] = [];
    let dropped = false;
    const flaky: FetchLike = async (url, init) => {
      if (init?.method !== 'PUT') return fetch(url, init);
      const part = new URL(url).searchParams.get('partNumber') ?? '?';
      puts.push(part);
      if (part !== '1' || dropped) return fetch(url, init);
      dropped = true;
      // The first try of part 1 sends a megabyte, then the network goes away.
      const whole = new Uint8Array(await new Response(init.body as Blob).arrayBuffer());
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          controller.enqueue(whole.subarray(0, 1024 * 1024));
          await new Promise((r) => setTimeout(r, 100));
          controller.error(new Error('connection reset'));
        },
      });
      return fetch(url, { ...init, body, duplex: 'half' } as RequestInit);
    };
    const owner = new GraminstaClient({ baseUrl: base, token, fetch: flaky });
    const progress: number[] = [];
    const file = new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' });
    const created = await owner.postPhoto(file, { caption: 'big one' }, (p) => {
      expect(p.total).toBe(file.size);
      progress.push(p.loaded);
    });
    expect(dropped).toBe(true);
    expect(puts.sort()).toEqual(['1', '1', '2']);
    expect(progress.at(-1)).toBe(file.size);
    expect(Math.max(...progress)).toBe(file.size);
    expect((await owner.waitForPhoto(created.id, { pollMs: 100 })).status).toBe('ready');
  });

  it('reaches every entry of the endpoint table, each answering its declared success status', async () => {
    const answered: Array<{ method: string; url: string; status: number }> = [];
    const recording: FetchLike = async (url, init) => {
      const response = await fetch(url, init);
      answered.push({ method: init?.method ?? 'GET', url, status: response.status });
      return response;
    };
    const as = (token?: string) => new GraminstaClient({ baseUrl: base, token, fetch: recording });
    const password = 'correct horse battery';
    const a = as((await client().signUp({ body: { username: 'tbl_a', password } })).token);
    const b = as((await client().signUp({ body: { username: 'tbl_b', password } })).token);
    // Resets end every session of an account: tbl_c has the recovery entries to itself.
    await client().signUp({ body: { username: 'tbl_c', password, email: 'tbl_c@example.com' } });
    const jpeg = new Blob([new Uint8Array(await jpegWithGps(64, 48))], { type: 'image/jpeg' });
    const posted = await a.postPhoto(jpeg, { caption: '#tabletest' });
    expect((await a.waitForPhoto(posted.id, { pollMs: 100 })).status).toBe('ready');
    const { id } = posted;

    // One call per entry (a missing one is a type error); each sets up what it needs first.
    const calls: { [N in EndpointName]: () => Promise<unknown> } = {
      signUp: () => as().signUp({ body: { username: 'tbl_new', password } }),
      logIn: () => as().logIn({ body: { username: 'tbl_a', password } }),
      logOut: async () =>
        as((await client().logIn({ body: { username: 'tbl_a', password } })).token).logOut(),
      getMe: () => a.getMe(),
      getSession: () => as().getSession(),
      updateMe: () => a.updateMe({ body: { bio: 'from the table' } }),
      getProfile: () => b.getProfile({ params: { username: 'tbl_a' } }),
      listUserPhotos: () => b.listUserPhotos({ params: { username: 'tbl_a' } }),
      listFollowers: () => b.listFollowers({ params: { username: 'tbl_a' } }),
      listFollowing: () => b.listFollowing({ params: { username: 'tbl_b' } }),
      follow: () => b.follow({ params: { username: 'tbl_a' } }),
      unfollow: () => b.unfollow({ params: { username: 'tbl_a' } }),
      searchUsers: () => b.searchUsers({ query: { q: 'tbl' } }),
      createUpload: () => a.createUpload({ body: { contentType: jpeg.type, size: jpeg.size } }),
      signUploadParts: async () => {
        const big = await a.createUpload({
          body: { contentType: 'image/jpeg', size: MULTIPART_MIN_BYTES, multipart: true },
        });
        return a.signUploadParts({ params: { id: big.uploadId }, body: { partNumbers: [1, 2] } });
      },
      completeUpload: async () => {
        const file = new Blob([new Uint8Array(MULTIPART_MIN_BYTES)], { type: 'image/jpeg' });
        const big = await a.createUpload({
          body: { contentType: 'image/jpeg', size: file.size, multipart: true },
        });
        const { parts } = await a.signUploadParts({
          params: { id: big.uploadId },
          body: { partNumbers: [1, 2] },
        });
        const partSize = big.upload.partSize!;
        for (const p of parts) {
          const slice = file.slice((p.partNumber - 1) * partSize, p.partNumber * partSize);
          expect((await fetch(p.url, { method: 'PUT', body: slice })).status).toBe(200);
        }
        return a.completeUpload({ params: { id: big.uploadId } });
      },
      createPhoto: async () => {
        const target = await a.createUpload({ body: { contentType: jpeg.type, size: jpeg.size } });
        await a.uploadFile(target, jpeg);
        return a.createPhoto({ body: { uploadId: target.uploadId } });
      },
      getPhoto: () => b.getPhoto({ params: { id } }),
      editPhoto: () => a.editPhoto({ params: { id }, body: { caption: '#tabletest edited' } }),
      deletePhoto: async () => a.deletePhoto({ params: { id: (await a.postPhoto(jpeg)).id } }),
      like: () => b.like({ params: { id } }),
      unlike: () => b.unlike({ params: { id } }),
      save: () => b.save({ params: { id } }),
      unsave: () => b.unsave({ params: { id } }),
      listSaved: () => b.listSaved(),
      listComments: () => b.listComments({ params: { id } }),
      addComment: () => b.addComment({ params: { id }, body: { body: 'from the table' } }),
      deleteComment: async () =>
        b.deleteComment({
          params: { id: (await b.addComment({ params: { id }, body: { body: 'gone soon' } })).id },
        }),
      feed: () => a.feed(),
      explore: () => b.explore({ query: { limit: 5 } }),
      tag: () => b.tag({ params: { tag: 'tabletest' } }),
      notifications: () => a.notifications(),
      markNotificationsRead: () => a.markNotificationsRead(),
      listFollowRequests: () => a.listFollowRequests(),
      acceptFollowRequest: async () => {
        await a.updateMe({ body: { private: true } });
        const e = as((await client().signUp({ body: { username: 'tbl_e', password } })).token);
        await e.follow({ params: { username: 'tbl_a' } });
        return a.acceptFollowRequest({ params: { username: 'tbl_e' } });
      },
      declineFollowRequest: async () => {
        const d = as((await client().signUp({ body: { username: 'tbl_d', password } })).token);
        await d.follow({ params: { username: 'tbl_a' } });
        return a.declineFollowRequest({ params: { username: 'tbl_d' } });
      },
      block: async () => {
        // Public again, for the entries after this one that read tbl_a's posts.
        await a.updateMe({ body: { private: false } });
        return a.block({ params: { username: 'tbl_d' } });
      },
      unblock: () => a.unblock({ params: { username: 'tbl_d' } }),
      mute: () => a.mute({ params: { username: 'tbl_b' } }),
      unmute: () => a.unmute({ params: { username: 'tbl_b' } }),
      requestExport: () => a.requestExport(),
      latestExport: () => a.latestExport(),
      deleteMe: async () =>
        as((await client().signUp({ body: { username: 'tbl_gone', password } })).token).deleteMe({
          body: { password },
        }),
      createReport: () =>
        b.createReport({ body: { target: { type: 'photo', id }, reason: 'from the table' } }),
      listReports: async () => {
        await t.comp.services.moderation.setRole('tbl_a', 'moderator');
        return a.listReports();
      },
      resolveReport: async () => {
        // The report filed above is still open: filing it again answers it.
        const report = await b.createReport({ body: { target: { type: 'photo', id }, reason: 'again' } });
        return a.resolveReport({ params: { id: report.id }, body: { action: 'dismiss' } });
      },
      // tbl_a is a moderator since listReports.
      opsCharts: () => a.opsCharts({ query: { window: '5m' } }),
      changeEmail: () => a.changeEmail({ body: { email: 'tbl_a@example.com' } }),
      verifyEmail: async () => {
        const token = await waitForLink(() => outboxMails(t.dataDir), 'tbl_a@example.com', 'verify-email');
        return as().verifyEmail({ params: { token } });
      },
      requestPasswordReset: () => as().requestPasswordReset({ body: { email: 'tbl_c@example.com' } }),
      resetPassword: async () => {
        const token = await waitForLink(() => outboxMails(t.dataDir), 'tbl_c@example.com', 'reset-password');
        return as().resetPassword({ params: { token }, body: { password } });
      },
      changePassword: async () => {
        const c = as((await client().logIn({ body: { username: 'tbl_c', password } })).token);
        return c.changePassword({ body: { currentPassword: password, newPassword: password } });
      },
      listSessions: () => b.listSessions(),
      endSession: async () => {
        await client().logIn({ body: { username: 'tbl_b', password } });
        const other = (await b.listSessions()).items.find((s) => !s.current)!;
        return b.endSession({ params: { id: other.id } });
      },
    };
    for (const name of Object.keys(endpoints) as EndpointName[]) {
      const e = endpoints[name];
      await calls[name]();
      const last = answered.at(-1)!;
      const path = new RegExp(`^${base}${e.path.replace(/:[A-Za-z_]+/g, '[^/?]+')}(\\?.*)?$`);
      expect({ name, method: last.method, status: last.status }).toEqual({
        name,
        method: e.method,
        status: e.status,
      });
      expect(last.url, name).toMatch(path);
    }
  });

  it('reconnects after the connection drops and gets what happened meanwhile exactly once', async () => {
    const star = client(
      (await client().signUp({ body: { username: 'sdk_star', password: 'correct horse battery' } })).token,
    );
    const fans = await Promise.all(
      ['sdk_f1', 'sdk_f2'].map(async (u) =>
        client((await client().signUp({ body: { username: u, password: 'correct horse battery' } })).token),
      ),
    );
    const sockets: WebSocket[] = [];
    class TrackedSocket extends WebSocket {
      constructor(url: string) {
        super(url);
        sockets.push(this);
      }
    }
    const live = star.realtime({
      WebSocket: TrackedSocket as unknown as WebSocketConstructor,
      heartbeatMs: 0,
      backoff: { initialMs: 400 },
    });
    const seen: string[] = [];
    live.on('event', (e) => seen.push(e.id));
    live.start();
    await until('socket ready', () => (live.status === 'ready' ? true : undefined));
    await fans[0]!.follow({ params: { username: 'sdk_star' } });
    await until('first notification', () => (seen.length === 1 ? true : undefined));

    sockets[0]!.terminate(); // the network goes away
    await until('reconnecting', () => (live.status === 'reconnecting' ? true : undefined));
    await fans[1]!.follow({ params: { username: 'sdk_star' } }); // happens while the client is away (or just back)
    await until('second notification', () => (seen.length >= 2 ? true : undefined));
    await until('ready again', () => (live.status === 'ready' ? true : undefined));
    expect(sockets).toHaveLength(2);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(2);
    live.stop();
  });
});
