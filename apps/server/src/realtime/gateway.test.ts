import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MemoryPresence, type EventService } from '@graminsta/core';
import { insertPost } from '@graminsta/core/testing/posts';
import { loadConfig } from '@graminsta/platform';
import { originTrust } from '../http/origins.ts';
import { SocketProbe } from '../testing/socket-probe.ts';
import { createTestApp, type TestApp } from '../testing/test-app.ts';
import { RealtimeGateway, type GatewayOptions } from './gateway.ts';

const WEB = 'http://localhost:5173';

/** The real event service, counting the subscriptions that are live right now. */
function countingSubscriptions(events: EventService) {
  let live = 0;
  const counted: EventService = {
    publish: (...args) => events.publish(...args),
    since: (...args) => events.since(...args),
    prune: () => events.prune(),
    announcePost: (photoId) => events.announcePost(photoId),
    async subscribe(userId, onEvent) {
      const unsubscribe = await events.subscribe(userId, onEvent);
      live += 1;
      let dropped = false;
      return async () => {
        if (!dropped) live -= 1;
        dropped = true;
        await unsubscribe();
      };
    },
  };
  return { events: counted, live: () => live };
}

describe('the /ws gateway', () => {
  let t: TestApp;
  let counting: ReturnType<typeof countingSubscriptions>;
  const running: { gateway: RealtimeGateway; server: Server }[] = [];

  beforeAll(async () => {
    t = await createTestApp({ PUBLIC_WEB_URL: WEB });
    counting = countingSubscriptions(t.comp.services.events);
  });
  afterEach(async () => {
    for (const { gateway, server } of running.splice(0)) {
      await gateway.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
  afterAll(() => t.close());

  /** A gateway on its own loopback listener, with the limits a test wants. */
  async function startGateway(opts: Partial<GatewayOptions> = {}): Promise<string> {
    const gateway = new RealtimeGateway({
      accounts: t.comp.services.accounts,
      events: counting.events,
      logger: pino({ level: 'silent' }),
      trustedOrigin: originTrust(loadConfig({ PUBLIC_WEB_URL: WEB })),
      authTimeoutMs: 1500,
      ...opts,
    });
    const server = createServer();
    gateway.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    running.push({ gateway, server });
    return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
  }

  async function authed(url: string, token: string): Promise<SocketProbe> {
    const probe = new SocketProbe(url);
    probe.send({ type: 'auth', token });
    expect(await probe.outcome()).toBe('ready');
    return probe;
  }

  it('authenticates with a token message, and closes with 4401 on a bad one', async () => {
    const url = await startGateway();
    const token = await t.signUp('socketeer');
    await (await authed(url, token)).close();
    const bad = new SocketProbe(url);
    bad.send({ type: 'auth', token: 'x'.repeat(43) });
    expect(await bad.outcome()).toBe('closed 4401');
  });

  it('takes the session cookie only from a trusted page origin', async () => {
    const url = await startGateway();
    const token = await t.signUp('cookied');
    const cookie = `graminsta_session=${token}`;
    expect(await new SocketProbe(url, { cookie, origin: WEB }).outcome()).toBe('ready');
    // Another site's page (or a page on another port) cannot ride on the cookie.
    expect(await new SocketProbe(url, { cookie, origin: 'http://evil.example' }).outcome()).toBe(
      'closed 4401',
    );
    expect(await new SocketProbe(url, { cookie, origin: 'http://localhost:9999' }).outcome()).toBe(
      'closed 4401',
    );
  });

  it('keeps a socket whose cookie holds a broken escape, unauthenticated until its auth message', async () => {
    const url = await startGateway();
    const token = await t.signUp('escaped');
    const probe = new SocketProbe(url, { cookie: 'graminsta_session=%E0%A4%A; other=%', origin: WEB });
    expect(await probe.open()).toBe(true);
    probe.send({ type: 'auth', token });
    expect(await probe.outcome()).toBe('ready');
    await probe.close();
  });

  it('lets one auth through per socket: one subscription, each event once, none left after close', async () => {
    const url = await startGateway();
    const token = await t.signUp('racer');
    const userId = (await t.comp.services.accounts.authenticate(token))!;
    const before = counting.live();
    const probe = new SocketProbe(url);
    // Sent back to back: the later ones arrive while the first is still being checked.
    for (let i = 0; i < 5; i++) probe.send({ type: 'auth', token });
    expect(await probe.outcome()).toBe('ready');
    probe.send({ type: 'auth', token }); // and one after it succeeded
    await expect.poll(() => probe.messages.filter((m) => m.code === 'already_authenticated').length).toBe(5);
    expect(counting.live() - before).toBe(1);

    await t.comp.services.events.publish(userId, 'photo.failed', { photoId: '1', reason: 'test' });
    probe.send({ type: 'ping' });
    await probe.next('pong');
    expect(probe.messages.filter((m) => m.type === 'photo.failed')).toHaveLength(1);

    await probe.close();
    await expect.poll(() => counting.live()).toBe(before);
  });

  it('sends a fan-out post.new to every socket of the users held, in id order with other events', async () => {
    const url = await startGateway({ presence: t.comp.presence });
    const [author, fan, other, away] = (await Promise.all(
      ['fo_author', 'fo_fan', 'fo_other', 'fo_away'].map((u) => t.signUp(u)),
    )) as [string, string, string, string];
    for (const token of [fan, other, away]) {
      const res = await t.app.inject({
        method: 'PUT',
        url: '/api/v1/users/fo_author/follow',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode).toBeLessThan(300);
    }
    const id = async (token: string) => (await t.comp.services.accounts.authenticate(token))!;
    const [authorId, fanId, otherId, awayId] = (await Promise.all([author, fan, other, away].map(id))) as [
      string,
      string,
      string,
      string,
    ];
    // The fan on two sockets, the other on one; `away` follows too but holds no socket.
    const sockets = [await authed(url, fan!), await authed(url, fan!), await authed(url, other!)];
    const events = t.comp.services.events;
    await events.publish(fanId!, 'photo.failed', { photoId: '1', reason: 'before' });
    const photoId = await insertPost(t.comp.database.db, { ownerId: authorId!, status: 'ready' });
    expect(await events.announcePost(photoId)).toEqual({ followers: 3, sent: 2 });
    await events.publish(fanId!, 'photo.failed', { photoId: '1', reason: 'after' });
    for (const probe of sockets) {
      probe.send({ type: 'ping' });
      await probe.next('pong');
    }
    const live = (probe: SocketProbe) =>
      probe.messages.filter((m) => m.type === 'photo.failed' || m.type === 'post.new');
    const post = { photoId, author: { id: authorId, username: 'fo_author' } };
    for (const probe of sockets.slice(0, 2)) {
      expect(live(probe).map((m) => m.type)).toEqual(['photo.failed', 'post.new', 'photo.failed']);
      expect(live(probe)[1]).toEqual({ id: expect.any(String), type: 'post.new', data: post });
      const ids = live(probe).map((m) => BigInt((m as { id: string }).id));
      expect(ids[0]! < ids[1]! && ids[1]! < ids[2]!).toBe(true);
    }
    expect(live(sockets[2]!)).toEqual(await events.since(otherId!, '0'));
    expect(live(sockets[2]!)).toEqual([{ id: expect.any(String), type: 'post.new', data: post }]);
    expect(await events.since(awayId!, '0')).toEqual([]);
    for (const probe of sockets) await probe.close();
  });

  it('closes with 1008 a socket that sends faster than its message rate', async () => {
    const url = await startGateway({ limits: { messageBurst: 5, messagesPerSecond: 1 } });
    const probe = new SocketProbe(url);
    expect(await probe.open()).toBe(true);
    for (let i = 0; i < 30; i++) probe.send({ type: 'ping' });
    expect(await probe.closed).toBe(1008);
    expect(probe.messages.filter((m) => m.type === 'pong').length).toBeLessThan(30);
  });

  it('refuses with 429 the upgrade past the per-address limit, and takes one again after a close', async () => {
    const url = await startGateway({ limits: { perAddress: 3 } });
    const held = [new SocketProbe(url), new SocketProbe(url), new SocketProbe(url)];
    for (const probe of held) expect(await probe.open()).toBe(true);
    expect(await new SocketProbe(url).outcome()).toBe('refused 429');
    await held[0]!.close();
    await expect.poll(async () => new SocketProbe(url).open()).toBe(true);
  });

  it('closes with 4429 the socket past the per-account limit once it authenticates', async () => {
    const url = await startGateway({ limits: { perAccount: 2 } });
    const token = await t.signUp('crowded');
    const held = [await authed(url, token), await authed(url, token)];
    const extra = new SocketProbe(url);
    extra.send({ type: 'auth', token });
    expect(await extra.outcome()).toBe('closed 4429');
    // Another account from the same address is not affected.
    await (await authed(url, await t.signUp('neighbour'))).close();
    await held[0]!.close();
    await expect.poll(async () => (await authed(url, token)) && true).toBe(true);
  });

  it('drops a socket that misses a ping round, keeps one that answers, and counts both', async () => {
    const presence = new MemoryPresence();

    const url = await startGateway({ pingIntervalMs: 300, presence });
    const gateway = running.at(-1)!.gateway;
    const token = await t.signUp('pinged');
    const id = (
      await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
    ).json().id as string;
    const open = async (autoPong: boolean) => {
      const ws = new WebSocket(url, { autoPong });
      ws.on('error', () => {});
      let pings = 0;
      ws.on('ping', () => pings++);
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      await new Promise((resolve) => ws.once('open', resolve));
      ws.send(JSON.stringify({ type: 'auth', token }));
      await new Promise<void>((resolve) =>
        ws.on('message', (raw: Buffer) => JSON.parse(String(raw)).type === 'ready' && resolve()),
      );
      return { ws, closed, pings: () => pings };
    };
    const answering = await open(true);
    const silent = await open(false);
    expect(gateway.counts()).toEqual({ authenticated: 2, unauthenticated: 0 });
    expect(await presence.online([id])).toEqual([id]);
    await silent.closed;
    // The answering socket has been pinged past the round the silent one missed, and stays.
    await expect.poll(() => answering.pings(), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    expect(answering.ws.readyState).toBe(WebSocket.OPEN);
    expect(gateway.counts()).toEqual({ authenticated: 1, unauthenticated: 0 });
    answering.ws.close();
    await answering.closed;
    await expect.poll(() => gateway.counts().authenticated, { timeout: 10_000 }).toBe(0);
    expect(await presence.online([id])).toEqual([]);
  });
});
