import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { UserEvent } from '@graminsta/contracts';
import { adminQuery, pgUrlFor, usingPostgres } from '@graminsta/core/testing/test-db';
import { RealtimeClient, type WebSocketConstructor } from '@graminsta/sdk';
import {
  freePort,
  renderBalancer,
  startNginx,
  startRedisServer,
  type Child,
  type NginxProcess,
} from '@graminsta/topology';
import { openRedis, whenReady } from '@graminsta/platform';
import { startGraminsta } from '../src/graminsta-bin.ts';
import { scrape, sumBy } from '../src/testing/metrics-text.ts';

const HOST = '127.0.0.1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for `check` to hold, polling (a readiness wait, not a timing assertion). */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * The realtime tier (stage 6): two API processes and two `--roles realtime` processes on one
 * PostgreSQL and one Redis of the test's own, the realtime pair behind an nginx balancer of its own
 * (least_conn). Heavy (real child processes): the PostgreSQL pass runs it, once.
 */
describe.skipIf(!usingPostgres())('realtime tier', () => {
  const dbName = `graminsta_rt_${process.pid}`;
  const children: Child[] = [];
  const dirs: string[] = [];
  let redis: Child & { url: string };
  let balancer: NginxProcess;
  let lbConfig: string;
  let lbHealth: string;
  let admin: pg.Client;
  let apis: string[];
  let realtimePorts: number[];
  let realtime: Child[];
  let wsBalancer: string;
  /** Raw sockets a test opened: closed after it, pass or fail, so counts start at zero. */
  const sockets: WebSocket[] = [];
  afterEach(() => {
    for (const ws of sockets.splice(0)) ws.terminate();
  });

  const start = async (roles: string, env: Record<string, string>) => {
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'graminsta-rt-'));
    dirs.push(dataDir);
    const child = await startGraminsta(['start', '--roles', roles], {
      ...process.env,
      ...env,
      PORT: String(port),
      HOST,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    });
    children.push(child);
    return { child, port };
  };

  const call = async (base: string, method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
  };
  const signUp = async (username: string) => {
    const res = await call(apis[0]!, 'POST', '/accounts', undefined, {
      username,
      password: 'a realtime tier password',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { token: res.body.token as string, id: (res.body.user as { id: string }).id };
  };
  /** A ready post written straight into the tables: the tier under test is realtime, not photos. */
  const readyPost = async (ownerId: string) => {
    const photo = await admin.query<{ id: string }>(
      `insert into photos (owner_id, status) values ($1, 'ready') returning id::text as id`,
      [ownerId],
    );
    const id = photo.rows[0]!.id;
    await admin.query(
      `insert into photo_media (photo_id, owner_id, position, status, source_key) values ($1, $2, 0, 'ready', $3)`,
      [id, ownerId, `s/${id}`],
    );
    return id;
  };
  const storedIds = async (userId: string) =>
    (
      await admin.query<{ id: string }>(
        `select id::text as id from user_events where user_id = $1 order by id`,
        [userId],
      )
    ).rows.map((r) => r.id);
  const authenticated = async () =>
    (await scrape(realtimePorts)).map(
      (text) => sumBy(text, 'graminsta_realtime_connections', 'state').get('authenticated') ?? 0,
    );

  beforeAll(async () => {
    await adminQuery(`create database "${dbName}"`);
    const redisDir = await mkdtemp(join(tmpdir(), 'graminsta-rt-redis-'));
    dirs.push(redisDir);
    redis = await startRedisServer({ host: HOST, port: await freePort(), dir: redisDir, name: 'rt-redis' });
    const env = {
      DATABASE_URL: pgUrlFor(dbName),
      REDIS_URL: redis.url,
      // One secret for the tier: a session made on one process is checked on another.
      SECRET: 'realtime-tier-test-secret-0123456789',
      RATE_LIMITS: '1000',
      TRUSTED_PROXIES: 'loopback',
    };
    // The API processes migrate the fresh database one at a time, then the realtime pair starts.
    const api1 = await start('api', env);
    const api2 = await start('api', env);
    const rt1 = await start('realtime', env);
    const rt2 = await start('realtime', env);
    apis = [api1, api2].map((p) => `http://${HOST}:${p.port}`);
    realtime = [rt1.child, rt2.child];
    realtimePorts = [rt1.port, rt2.port];
    const lbPort = await freePort();
    lbConfig = renderBalancer({
      listenHost: HOST,
      listenPort: lbPort,
      upstreams: realtimePorts.map((p) => `${HOST}:${p}`),
      websockets: true,
      leastConn: true,
    });
    lbHealth = `http://${HOST}:${lbPort}/healthz`;
    balancer = await startNginx(lbConfig, lbHealth);
    wsBalancer = `ws://${HOST}:${lbPort}/ws`;
    admin = new pg.Client({ connectionString: pgUrlFor(dbName) });
    await admin.connect();
  }, 240_000);

  afterAll(async () => {
    await admin?.end();
    await balancer?.stop();
    for (const child of children.reverse()) await child.stop('SIGTERM', 20_000);
    await redis?.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    await adminQuery(`drop database if exists "${dbName}" with (force)`);
  }, 120_000);

  it('serves /ws, /healthz, /readyz and /metrics from a process that runs only the realtime role', async () => {
    for (const port of realtimePorts) {
      expect((await fetch(`http://${HOST}:${port}/healthz`)).status).toBe(200);
      expect((await fetch(`http://${HOST}:${port}/readyz`)).status).toBe(200);
      // No API here: that tier is elsewhere.
      expect((await fetch(`http://${HOST}:${port}/api/v1/me`)).status).toBe(404);
    }
    for (const text of await scrape(realtimePorts)) {
      expect(text).toMatch(/^graminsta_realtime_connections\{state="authenticated"\} 0$/m);
      expect(text).toMatch(/^# TYPE graminsta_realtime_delivery_seconds histogram$/m);
    }
  });

  it('carries a like served by API process 1 to the socket held by realtime process 2', async () => {
    const owner = await signUp('rt_owner');
    const fan = await signUp('rt_fan');
    const photoId = await readyPost(owner.id);
    const ws = new WebSocket(`ws://${HOST}:${realtimePorts[1]}/ws`);
    sockets.push(ws);
    const got: UserEvent[] = [];
    ws.on('message', (raw: Buffer) => {
      const msg = JSON.parse(String(raw)) as { type: string };
      if (msg.type !== 'ready') got.push(msg as UserEvent);
    });
    const ready = new Promise<void>((resolve) =>
      ws.on('message', (raw: Buffer) => JSON.parse(String(raw)).type === 'ready' && resolve()),
    );
    await new Promise<void>((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ type: 'auth', token: owner.token }));
    await ready;
    expect(await authenticated()).toEqual([0, 1]);
    // The bus is Redis: realtime 2 subscribed the owner's channel there (one subscriber: its own).
    const probe = openRedis({ url: redis.url, name: 'rt-test-probe' });
    try {
      expect(await whenReady(probe, 10_000)).toBe(true);
      const numsub = (await probe.pubsub('NUMSUB', `graminsta:events:user:${owner.id}`)) as [string, number];
      expect(Number(numsub[1])).toBe(1);
    } finally {
      probe.disconnect();
    }

    expect((await call(apis[0]!, 'PUT', `/photos/${photoId}/like`, fan.token)).status).toBeLessThan(300);
    await until('the like notification', () => got.length === 1);
    expect(got[0]).toMatchObject({
      type: 'notification',
      data: { type: 'like', actor: { id: fan.id, username: 'rt_fan' } },
    });
    expect(got.map((e) => e.id)).toEqual(await storedIds(owner.id));
    ws.close();
    await until('the socket to be counted closed', async () => (await authenticated())[1] === 0);

    // The delivery histogram counted that live send on realtime process 2.
    const [, text2] = await scrape(realtimePorts);
    expect(
      Number(/^graminsta_realtime_delivery_seconds_count (\d+)$/m.exec(text2!)?.[1]),
    ).toBeGreaterThanOrEqual(1);
  });

  /** An SDK client through the balancer, started, recording the ids and statuses it sees. */
  const watchedClient = (token: string) => {
    const client = new RealtimeClient({
      url: wsBalancer,
      token,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      backoff: { initialMs: 50, maxMs: 500 },
    });
    const received: string[] = [];
    const statuses: string[] = [];
    client.on('event', (e) => received.push(e.id));
    client.on('status', (s) => statuses.push(s));
    client.start();
    return { client, received, statuses };
  };

  it('keeps a client through a restart of its balancer, missing and repeating nothing', async () => {
    const owner = await signUp('rt_lb_restart');
    const fan = await signUp('rt_lb_fan');
    const photoId = await readyPost(owner.id);
    const { client, received, statuses } = watchedClient(owner.token);
    try {
      await until('the client to be ready', () => client.status === 'ready');
      let sent = 0;
      const comment = async () => {
        const res = await call(apis[sent % 2]!, 'POST', `/photos/${photoId}/comments`, fan.token, {
          body: `through a balancer restart ${sent}`,
        });
        expect(res.status).toBe(201);
        sent++;
      };
      for (let i = 0; i < 5; i++) await comment();
      await until('the first comments', () => received.length >= 5);
      // The balancer goes away (its sockets with it) while events keep coming, then comes back
      // on the same address, as a restarted nginx or a replaced load balancer would.
      // SIGTERM is nginx's fast shutdown: every connection, the client's socket too, closes at once.
      balancer.child.kill('SIGTERM');
      await balancer.stop();
      for (let i = 0; i < 5; i++) await comment();
      balancer = await startNginx(lbConfig, lbHealth);
      await until(
        'the client to come back',
        () => client.status === 'ready' && statuses.includes('reconnecting'),
      );
      for (let i = 0; i < 5; i++) await comment();
      const stored = await storedIds(owner.id);
      expect(stored).toHaveLength(15);
      await until('every event', () => received.includes(stored[stored.length - 1]!));
      expect(received).toEqual(stored);
    } finally {
      client.stop();
    }
  });

  it('moves a client to the other realtime process when its own is killed, missing and repeating nothing', async () => {
    const owner = await signUp('rt_moved');
    const fans = [await signUp('rt_c1'), await signUp('rt_c2')];
    const photoId = await readyPost(owner.id);
    const { client, received, statuses } = watchedClient(owner.token);
    try {
      await until('the client to be ready', () => client.status === 'ready');
      const counts = await authenticated();
      const holder = counts.indexOf(1);
      expect(counts.sort()).toEqual([0, 1]);

      // Comments keep coming from both API processes while the holder is killed mid-stream.
      let sent = 0;
      const comment = async () => {
        const res = await call(
          apis[sent % 2]!,
          'POST',
          `/photos/${photoId}/comments`,
          fans[sent % 2]!.token,
          {
            body: `comment ${sent}`,
          },
        );
        expect(res.status).toBe(201);
        sent++;
      };
      for (let i = 0; i < 10; i++) await comment();
      await until('the first comments', () => received.length >= 5);
      realtime[holder]!.process.kill('SIGKILL');
      await realtime[holder]!.exited;
      // Published while the client is away (its socket is gone; the events are kept).
      for (let i = 0; i < 10; i++) await comment();
      await until(
        'the client to come back',
        () => client.status === 'ready' && statuses.includes('reconnecting'),
      );
      for (let i = 0; i < 10; i++) await comment();

      // A last one: a socket sends in order, so a repeat of an earlier event would come before it.
      await comment();
      const stored = await storedIds(owner.id);
      expect(stored).toHaveLength(31);
      await until('every event', () => received.includes(stored[stored.length - 1]!));
      expect(received).toEqual(stored);
      // The survivor holds the socket now.
      const survivor = realtimePorts[1 - holder]!;
      const [text] = await scrape([survivor]);
      expect(sumBy(text!, 'graminsta_realtime_connections', 'state').get('authenticated')).toBe(1);
      expect(
        Number(/^graminsta_realtime_delivery_seconds_count (\d+)$/m.exec(text!)?.[1]),
      ).toBeGreaterThanOrEqual(1);
    } finally {
      client.stop();
    }
  });

  it('on SIGTERM closes its sockets with 1001 so their clients go elsewhere', async () => {
    const user = await signUp('rt_drained');
    const alive = realtime.findIndex((c) => c.process.exitCode === null && c.process.signalCode === null);
    const ws = new WebSocket(`ws://${HOST}:${realtimePorts[alive]}/ws`);
    const ready = new Promise<void>((resolve) =>
      ws.on('message', (raw: Buffer) => JSON.parse(String(raw)).type === 'ready' && resolve()),
    );
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ type: 'auth', token: user.token }));
    await ready;
    const exited = realtime[alive]!.stop('SIGTERM', 20_000);
    expect(await closed).toBe(1001);
    expect(await exited).toBe(0);
  });
});
