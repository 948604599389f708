import pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { usingPostgres } from '@graminsta/core/testing/test-db';
import { RealtimeClient, type WebSocketConstructor } from '@graminsta/sdk';
import { pingRedis, removeCluster, sendRawBytes } from '@graminsta/topology';
import { startStage, type StageProcess } from '../src/testing/stage-process.ts';
import { prometheusApi } from '../src/testing/prometheus-api.ts';
import { deltas, scrape, seriesOf, sumBy, sumByAcross, sumMetric } from '../src/testing/metrics-text.ts';
import type { TopologySnapshot } from '../src/supervisor/up.ts';
import { rush } from '../src/testing/rush.ts';
import { runDoctorCli } from '../src/testing/doctor-run.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HOST = '127.0.0.1';
const QUERIES = 'graminsta_db_queries_total';
const CACHE_READS = 'graminsta_cache_reads_total';
const DB_READS = 'graminsta_db_reads_total';
/** The replica's apply delay: it replays each write this long after the primary commits it. */
const REPLICA_DELAY_MS = 2000;

/**
 * Stage 6 (stage 5 plus Redis: the read cache with its L1, and home timelines) on PostgreSQL, with
 * three API instances: the PostgreSQL pass runs it, once, on one topology shared by the tests here.
 * They run in order.
 *
 * What it proves needs the other parts of issue 12: the profile read through the cache
 * (h/reads), the engine and its metrics (h/cache: `graminsta_cache_reads_total{outcome}`), the
 * query metrics by statement (h/session: `graminsta_db_queries_total{statement}`), the timelines
 * (h/timeline). The query count sums every statement of the API processes, so it holds whatever
 * the profile statement is called.
 */
describe.skipIf(!usingPostgres())('stage 6', () => {
  let stage: StageProcess;
  let balancer: string;
  let apiPorts: number[];
  let apiBases: string[];
  let realtimePorts: number[];
  let first: TopologySnapshot;
  /** A client of the stage's own primary (for a ready post written straight into the tables). */
  let primary: pg.Client;

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
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Json };
  };
  const api = (method: string, path: string, token?: string, body?: unknown) =>
    call(balancer, method, path, token, body);

  const signUp = async (username: string): Promise<string> => {
    const res = await api('POST', '/accounts', undefined, { username, password: 'a stage six password' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.token as string;
  };

  /** Each API process's query counts by statement (every statement: cached reads must run none). */
  const queriesEach = async () => (await scrape(apiPorts)).map((text) => sumBy(text, QUERIES, 'statement'));
  const cacheReads = async () => sumByAcross(await scrape(apiPorts), CACHE_READS, 'outcome');
  const cacheReadsEach = async () =>
    (await scrape(apiPorts)).map((text) => sumBy(text, CACHE_READS, 'outcome'));

  /** A small photo posted through the balancer, its bytes to the object store, awaited until ready. */
  const postPhoto = async (token: string, caption: string): Promise<string> => {
    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#8a5a44' } })
      .jpeg()
      .toBuffer();
    const up = await api('POST', '/uploads', token, { contentType: 'image/jpeg', size: jpeg.length });
    expect(up.status).toBe(201);
    const target = up.body.upload as { url: string; fields: Record<string, string> };
    const form = new FormData();
    for (const [name, value] of Object.entries(target.fields)) form.append(name, value);
    form.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }));
    const sent = await fetch(target.url, { method: 'POST', body: form });
    expect(sent.status).toBeLessThan(300);
    const created = await api('POST', '/photos', token, { uploadId: up.body.uploadId, caption });
    expect(created.status).toBe(202);
    const id = created.body.id as string;
    let status = created.body.status as string;
    for (let i = 0; i < 240 && status !== 'ready'; i++) {
      await sleep(500);
      status = (await api('GET', `/photos/${id}`, token)).body.status as string;
      expect(status).not.toBe('failed');
    }
    expect(status).toBe('ready');
    return id;
  };

  /** Reads `path` on every API instance straight (not through the balancer), as `token`. */
  const onEach = (path: string, token?: string) =>
    Promise.all(apiBases.map((base) => call(base, 'GET', path, token)));

  /**
   * Checks `path` on every instance until `check` holds on all: what another user wrote reaches
   * them once the (delayed) replica has replayed it ("others may see it later", issue 13).
   */
  const eachEventually = (
    path: string,
    token: string | undefined,
    check: (r: { status: number; body: Json }) => void,
  ) =>
    vi.waitFor(
      async () => {
        for (const r of await onEach(path, token)) check(r);
      },
      { timeout: 30_000, interval: 200 },
    );

  /** Waits until the replica has replayed everything the primary has committed so far. */
  const caughtUp = async () => {
    const lsn = (await primary.query<{ l: string }>('select pg_current_wal_lsn()::text as l')).rows[0]!.l;
    const replica = new pg.Client({ connectionString: first.postgres!.replicaUrls[0] });
    await replica.connect();
    try {
      await vi.waitFor(
        async () => {
          const r = await replica.query<{ ok: boolean }>(
            'select pg_last_wal_replay_lsn() >= $1::pg_lsn as ok',
            [lsn],
          );
          expect(r.rows[0]!.ok).toBe(true);
        },
        { timeout: 60_000, interval: 100 },
      );
    } finally {
      await replica.end();
    }
  };

  /** Reads `path` a few times on each instance so every cache layer holds it (and it counts as hot). */
  const warm = async (path: string, token?: string, times = 30) => {
    for (let i = 0; i < times; i++) for (const r of await onEach(path, token)) expect(r.status).toBe(200);
  };

  beforeAll(async () => {
    stage = await startStage(6, [
      // With --monitor: this topology is also the proof that stage 6 is watched whole.
      '--monitor',
      ...['--api', '3', '--web', '1', '--workers', '1'],
      ...['--replica-delay-ms', String(REPLICA_DELAY_MS)],
    ]);
    const topology = (first = await stage.topology());
    balancer = topology.urls.api;
    apiPorts = topology.processes.filter((p) => p.name.startsWith('api-')).map((p) => p.port!);
    apiBases = apiPorts.map((port) => `http://${HOST}:${port}`);
    realtimePorts = topology.processes.filter((p) => p.name.startsWith('realtime-')).map((p) => p.port!);
    primary = new pg.Client({ connectionString: topology.postgres!.primaryUrl });
    await primary.connect();
  }, 300_000);
  afterAll(async () => {
    await primary?.end();
    expect(await stage?.stop()).toBe(0);
    // The supervisor keeps its clusters for the next `up` on the same data folder; this one is gone.
    const own = first?.postgres?.own;
    if (own) for (const dir of [own.replica, own.primary]) await removeCluster({ dir });
  }, 180_000);

  const userId = async (token: string) => ((await api('GET', '/me', token)).body.id as string) ?? '';
  const storedEventIds = async (id: string) =>
    (
      await primary.query<{ id: string }>(
        `select id::text as id from user_events where user_id = $1 order by id`,
        [id],
      )
    ).rows.map((r) => r.id);
  /** Each realtime process's authenticated sockets. */
  const socketsHeld = async () =>
    (await scrape(realtimePorts)).map(
      (text) => sumBy(text, 'graminsta_realtime_connections', 'state').get('authenticated') ?? 0,
    );
  const wsUrl = () => `${balancer.replace(/^http/, 'ws')}/ws`;

  it('comes up whole from the CLI: Redis, a primary with a delayed streaming replica, realtime ×2 behind /ws, BullMQ workers', async () => {
    const { postgres, processes } = first;
    const role = (name: string) => processes.find((p) => p.name === name)?.role;
    expect(['api-1', 'realtime-1', 'realtime-2', 'worker-1'].map(role)).toEqual([
      'api',
      'realtime',
      'realtime',
      'worker',
    ]);
    expect(['postgres-primary', 'postgres-replica'].map(role)).toEqual(['postgres', 'postgres']);
    // The replica streams from the primary, read-only, applying each change REPLICA_DELAY_MS late.
    const replica = new pg.Client({ connectionString: postgres!.replicaUrls[0] });
    await replica.connect();
    try {
      const standby = await replica.query<{ r: boolean; delay: string }>(
        `select pg_is_in_recovery() as r, current_setting('recovery_min_apply_delay') as delay`,
      );
      expect(standby.rows[0]).toEqual({ r: true, delay: `${REPLICA_DELAY_MS / 1000}s` });
    } finally {
      await replica.end();
    }
    const senders = await primary.query<{ state: string }>('select state from pg_stat_replication');
    expect(senders.rows.map((r) => r.state)).toEqual(['streaming']);
    // Each API process watches the replica (h/replica's gauge): up.
    for (const text of await scrape(apiPorts))
      expect(text).toMatch(/^graminsta_db_replica_up\{replica="0"\} 1$/m);
    // /ws through the API's front reaches a realtime process (the API processes hold no socket).
    const ws = new WebSocket(wsUrl());
    try {
      await new Promise<void>((resolve, reject) => ws.once('open', resolve).once('error', reject));
    } finally {
      ws.close();
    }
    for (const port of apiPorts) expect((await fetch(`http://${HOST}:${port}/ws`)).status).toBe(404);
  });

  it("reads a user's own write back at once through the balancer while the replica is behind", async () => {
    const author = await signUp('rep_author');
    const other = await signUp('rep_other');
    const photoId = await postPhoto(author, 'replica reads');
    const readsBefore = sumByAcross(await scrape(apiPorts), DB_READS, 'reason');
    const list = (token: string) => api('GET', `/photos/${photoId}/comments`, token);
    // Plain reads by someone who wrote nothing lately go to the replica, once it has the post.
    await caughtUp();
    await sleep(REPLICA_DELAY_MS);
    for (let i = 0; i < 6; i++) expect((await list(other)).status).toBe(200);
    for (let n = 0; n < 3; n++) {
      const made = await api('POST', `/photos/${photoId}/comments`, author, { body: `mine ${n}` });
      expect(made.status).toBe(201);
      // At once, on whichever API process the balancer picks: the author sees it.
      const seen = await list(author);
      expect(seen.status).toBe(200);
      expect((seen.body.items as Json[]).map((c) => c.id)).toContain(made.body.id);
    }
    const readsAfter = sumByAcross(await scrape(apiPorts), DB_READS, 'reason');
    const grew = (reason: string) => (readsAfter.get(reason) ?? 0) - (readsBefore.get(reason) ?? 0);
    expect(grew('replica')).toBeGreaterThan(0);
    // The author's reads right after their writes were sent to the primary for that reason.
    expect(grew('own_write')).toBeGreaterThan(0);
    // Once the replica has replayed them, everyone sees all three.
    await vi.waitFor(async () => expect(((await list(other)).body.items as Json[]).length).toBe(3), {
      timeout: 30_000,
      interval: 250,
    });
  }, 120_000);

  it('carries a like served by one API process to a socket a realtime process holds, through the front', async () => {
    const owner = await signUp('rt6_owner');
    const fan = await signUp('rt6_fan');
    const ownerId = await userId(owner);
    const photoId = await postPhoto(owner, 'a post with sockets');
    // Written behind the API's back: the replica has it REPLICA_DELAY_MS later.
    await caughtUp();
    const ws = new WebSocket(wsUrl());
    const got: Json[] = [];
    const ready = new Promise<void>((resolve) =>
      ws.on('message', (raw: Buffer) => {
        const msg = JSON.parse(String(raw)) as Json;
        if (msg.type === 'ready') resolve();
        else got.push(msg);
      }),
    );
    await new Promise<void>((resolve, reject) => ws.once('open', resolve).once('error', reject));
    try {
      ws.send(JSON.stringify({ type: 'auth', token: owner }));
      await ready;
      expect((await socketsHeld()).reduce((a, b) => a + b, 0)).toBe(1);
      // Straight to one API process: not the one the realtime process is, by construction.
      expect((await call(apiBases[1]!, 'PUT', `/photos/${photoId}/like`, fan)).status).toBeLessThan(300);
      await vi.waitFor(() => expect(got).toHaveLength(1), { timeout: 30_000, interval: 50 });
      expect(got[0]).toMatchObject({ type: 'notification', data: { type: 'like' } });
      // The one event kept for the owner since the socket opened: this like's.
      expect(got.map((e) => e.id)).toEqual((await storedEventIds(ownerId)).slice(-1));
    } finally {
      ws.close();
    }
  }, 60_000);

  it('moves an SDK client through the front when its realtime process is SIGKILLed, missing and repeating nothing', async () => {
    const owner = await signUp('rt6_moved');
    const fans = [await signUp('rt6_c1'), await signUp('rt6_c2')];
    const ownerId = await userId(owner);
    const photoId = await postPhoto(owner, 'a post with sockets');
    await caughtUp();
    const earlier = (await storedEventIds(ownerId)).length;
    const client = new RealtimeClient({
      url: wsUrl(),
      token: owner,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      backoff: { initialMs: 50, maxMs: 500 },
    });
    const received: string[] = [];
    const statuses: string[] = [];
    client.on('event', (e) => received.push(e.id));
    client.on('status', (st) => statuses.push(st));
    client.start();
    try {
      await vi.waitFor(() => expect(client.status).toBe('ready'), { timeout: 30_000, interval: 50 });
      const held = await socketsHeld();
      expect([...held].sort()).toEqual([0, 1]);
      const holder = `realtime-${held.indexOf(1) + 1}`;
      let sent = 0;
      const comment = async () => {
        const res = await call(apiBases[sent % 3]!, 'POST', `/photos/${photoId}/comments`, fans[sent % 2], {
          body: `comment ${sent}`,
        });
        expect(res.status).toBe(201);
        sent++;
      };
      for (let i = 0; i < 10; i++) await comment();
      await vi.waitFor(() => expect(received.length).toBeGreaterThanOrEqual(5), { timeout: 30_000 });
      const victim = (await stage.topology()).processes.find((p) => p.name === holder)!;
      process.kill(victim.pid!, 'SIGKILL');
      // Published while the client is away (its socket is gone; the events are kept).
      for (let i = 0; i < 10; i++) await comment();
      await vi.waitFor(
        () => expect([client.status, statuses.includes('reconnecting')]).toEqual(['ready', true]),
        { timeout: 60_000, interval: 50 },
      );
      for (let i = 0; i < 10; i++) await comment();
      await comment();
      const stored = (await storedEventIds(ownerId)).slice(earlier);
      expect(stored).toHaveLength(31);
      await vi.waitFor(() => expect(received).toContain(stored[stored.length - 1]), { timeout: 30_000 });
      expect(received).toEqual(stored);
      // The supervisor restarted the killed one (its restart counted, then it listens again); one
      // socket is held across the tier.
      await vi.waitFor(
        async () => {
          expect((await stage.topology()).processes.find((p) => p.name === holder)!.restarts).toBe(1);
          expect((await socketsHeld()).reduce((a, b) => a + b, 0)).toBe(1);
        },
        { timeout: 30_000, interval: 200 },
      );
    } finally {
      client.stop();
    }
  }, 180_000);

  it('processes a posted photo on a BullMQ worker: the job lives in Redis, the queue metrics count it', async () => {
    const poster = await signUp('bull_poster');
    const workerPort = first.processes.find((p) => p.name === 'worker-1')!.port!;
    const waitsBefore = sumMetric((await scrape([workerPort]))[0]!, 'graminsta_queue_wait_seconds_count', {
      job: 'photo.process',
    });
    await postPhoto(poster, 'through bullmq');
    const [text] = await scrape([workerPort]);
    expect(
      sumMetric(text!, 'graminsta_queue_wait_seconds_count', { job: 'photo.process' }) - waitsBefore,
    ).toBeGreaterThanOrEqual(1);
    // The queue is BullMQ's, in the stage's Redis (nothing waits or runs now).
    const redisPort = first.processes.find((p) => p.name === 'redis')!.port!;
    const keys = await sendRawBytes(
      HOST,
      redisPort,
      Buffer.from('KEYS graminsta:photo.process:*\r\nQUIT\r\n'),
    );
    expect(keys).toContain('graminsta:photo.process:');
    expect(sumMetric(text!, 'graminsta_queue_jobs', { job: 'photo.process', state: 'waiting' })).toBe(0);
  }, 300_000);

  it('runs stage 5 plus its own Redis, whose address every process of the stage gets', async () => {
    const topology = await stage.topology();
    expect(topology.processes.map((p) => p.name).sort()).toEqual([
      'api-1',
      'api-2',
      'api-3',
      'edge',
      // --monitor's exporters and Prometheus.
      'edge-cache-exporter',
      'edge-exporter',
      'lb-api',
      'lb-api-exporter',
      'lb-web',
      'lb-web-exporter',
      'node-exporter',
      'object-store',
      'postgres-primary',
      'postgres-primary-exporter',
      'postgres-replica',
      'postgres-replica-exporter',
      'prometheus',
      'realtime-1',
      'realtime-2',
      'redis',
      'redis-exporter',
      'web-1',
      'worker-1',
    ]);
    const redis = topology.processes.find((p) => p.name === 'redis')!;
    expect(topology.redisUrl).toBe(`redis://${HOST}:${redis.port}`);
    expect(await pingRedis(HOST, redis.port!)).toBe(true);
    // Browsers never reach it: it is no front.
    expect(Object.keys(topology.urls).sort()).toEqual(['api', 'cdn', 'prometheus', 'store', 'web']);
    // Each API instance reads through the Redis cache (h/cache's gauge).
    for (const text of await scrape(apiPorts)) expect(text).toMatch(/^graminsta_cache_store_up 1$/m);
  });

  it('with --monitor: Prometheus scrapes every process of stage 6 and reaches Redis, the primary, the replica and its lag', async () => {
    const topology = await stage.topology();
    const prometheus = prometheusApi(topology.urls.prometheus!);
    const targets = await prometheus.expectTargetsUp(prometheus.scrapedNames(topology));
    const tiersOf = (job: string) =>
      targets
        .filter((t) => t.labels.job === job)
        .map((t) => t.labels.tier)
        .sort();
    expect(tiersOf('realtime')).toEqual(['realtime', 'realtime']);
    expect(tiersOf('postgres-exporter')).toEqual(['postgres-primary', 'postgres-replica']);
    expect(tiersOf('redis-exporter')).toEqual(['redis']);
    expect(tiersOf('node-exporter')).toEqual(['postgres-primary']);
    const values = async (promql: string) =>
      (await prometheus.query(promql))
        .map((r) => `${r.metric.tier ?? r.metric.replica}=${r.value[1]}`)
        .sort();
    await expect
      .poll(async () => [...(await values('pg_up')), ...(await values('redis_up'))], {
        timeout: 30_000,
        interval: 1_000,
      })
      .toEqual(['postgres-primary=1', 'postgres-replica=1', 'redis=1']);
    // The replica as each API process sees it (what ReplicaLagging watches): up, a lag in seconds.
    await expect
      .poll(async () => (await prometheus.query('graminsta_db_replica_up')).length, { timeout: 30_000 })
      .toBe(3);
    const lag = await prometheus.query('max by (replica) (graminsta_db_replica_lag_seconds)');
    expect(lag.map((r) => r.metric.replica)).toEqual(['0']);
    expect(Number(lag[0]!.value[1])).toBeGreaterThanOrEqual(0);
  }, 120_000);

  it('turns 5,000 concurrent reads of a cold celebrity profile on 3 API processes into one query', async () => {
    const celebrity = await signUp('celebrity');
    // Round 1: nothing cached, not even which id the name is: each of the two keys a profile
    // reads (the name's id, then the account) is loaded once, cluster-wide. Round 2 is the
    // celebrity case: an edit drops the hot account entry (as its expiry would), the name's id is
    // still known, and the crowd that finds the entry cold costs exactly one query.
    const expected = [
      { round: 1, displayName: null, statements: { account_by_id: 1, account_id_by_name: 1 } },
      { round: 2, displayName: 'The Celebrity', statements: { account_by_id: 1 } },
    ];
    for (const { round, displayName, statements } of expected) {
      if (displayName) expect((await api('PATCH', '/me', celebrity, { displayName })).status).toBe(200);
      const [before, cacheBefore] = [await queriesEach(), await cacheReadsEach()];
      const crowd = await rush(apiBases, '/api/v1/users/celebrity', 5000);
      const [after, cacheAfter] = [await queriesEach(), await cacheReadsEach()];
      // How each process's cache reads ended (a second load shows up as a miss or a fallback).
      const outcomes = cacheAfter.map((a, i) => Object.fromEntries(deltas(cacheBefore[i]!, a)));
      expect([...crowd.statuses], `round ${round}`).toEqual([[200, 5000]]);
      const names = new Set([...crowd.bodies.keys()].map((b) => (JSON.parse(b) as Json).displayName));
      expect([...names], `round ${round}`).toEqual([displayName ?? '']);
      // Which process ran which statements: a second query tells whether the lease or the key layout let it through.
      const each = after.map((a, i) => Object.fromEntries(deltas(before[i]!, a)));
      const ran: Record<string, number> = {};
      // Unnamed statements (`other`) are left out: the replica router's lag polls run on a timer
      // in every API process (h/replica), whatever the crowd does.
      for (const d of each)
        for (const [name, n] of Object.entries(d))
          if (n > 0 && name !== 'other') ran[name] = (ran[name] ?? 0) + n;
      console.log(`round ${round}: statements run by each API process during the crowd:`, each);
      expect(ran, `round ${round}: ${JSON.stringify(each)}; cache ${JSON.stringify(outcomes)}`).toEqual(
        statements,
      );
    }
  }, 180_000);

  it('reads back each write at once on every API instance, with no flag leaking between viewers', async () => {
    const author = await signUp('ryw_author');
    const reader = await signUp('ryw_reader');

    // A profile edit, after every instance has cached the old profile.
    await warm('/users/ryw_author');
    expect((await api('PATCH', '/me', author, { displayName: 'After', bio: 'edited' })).status).toBe(200);
    for (const r of await onEach('/users/ryw_author', author))
      expect([r.body.displayName, r.body.bio]).toEqual(['After', 'edited']);
    for (const r of await onEach('/users/ryw_author'))
      expect([r.body.displayName, r.body.bio]).toEqual(['After', 'edited']);

    // A follow: the reader sees it; the author's counters change for everyone; nobody else follows.
    await warm('/users/ryw_author', reader);
    expect((await api('PUT', '/users/ryw_author/follow', reader)).status).toBeLessThan(300);
    for (const r of await onEach('/users/ryw_author', reader))
      expect([r.body.followedByMe, r.body.followerCount]).toEqual([true, 1]);
    for (const r of await onEach('/users/ryw_author'))
      expect([r.body.followedByMe, r.body.followerCount]).toEqual([false, 1]);
    for (const r of await onEach('/users/ryw_reader', reader)) expect(r.body.followingCount).toBe(1);

    // A post: on the author's profile, in their list and in the follower's home feed at once.
    await warm('/feed', reader, 5);
    const photoId = await postPhoto(author, 'read your own writes');
    await eachEventually('/users/ryw_author', reader, (r) => expect(r.body.photoCount).toBe(1));
    await eachEventually('/users/ryw_author/photos', reader, (r) =>
      expect((r.body.items as Json[]).map((p) => p.id)).toContain(photoId),
    );
    await eachEventually('/feed', reader, (r) =>
      expect((r.body.items as Json[]).map((p) => p.id)).toContain(photoId),
    );

    // A like: the liker sees their like, the author only the count.
    await warm(`/photos/${photoId}`, reader);
    await warm(`/photos/${photoId}`, author);
    expect((await api('PUT', `/photos/${photoId}/like`, reader)).status).toBeLessThan(300);
    // The liker's own write: at once, on every instance (read-your-writes).
    for (const r of await onEach(`/photos/${photoId}`, reader))
      expect([r.body.likedByMe, r.body.likeCount]).toEqual([true, 1]);
    await eachEventually(`/photos/${photoId}`, author, (r) =>
      expect([r.body.likedByMe, r.body.likeCount]).toEqual([false, 1]),
    );

    // Deleted: gone from every instance's reads at once.
    expect((await api('DELETE', `/photos/${photoId}`, author)).status).toBe(200);
    await eachEventually(`/photos/${photoId}`, reader, (r) => expect(r.status).toBe(404));
    await eachEventually('/users/ryw_author', reader, (r) => expect(r.body.photoCount).toBe(0));
    await eachEventually('/feed', reader, (r) =>
      expect((r.body.items as Json[]).map((p) => p.id)).not.toContain(photoId),
    );
  }, 300_000);

  it('loses no request when Redis is killed under load, and hits resume once it is back', async () => {
    const tokens = await Promise.all(['load_a', 'load_b', 'load_c', 'load_d'].map(signUp));
    const failures: string[] = [];
    let requests = 0;
    let stop = false;
    // Steady reads and writes through the balancer: profiles (anonymous and signed in), home
    // feeds, profile edits and follows going on and off.
    const worker = async (i: number) => {
      const token = tokens[i % tokens.length]!;
      const other = ['load_a', 'load_b', 'load_c', 'load_d'][(i + 1) % tokens.length]!;
      let follows = 0;
      for (let n = 0; !stop; n++) {
        const step: [string, string, string | undefined, unknown?] = [
          ['GET', '/users/celebrity', undefined],
          ['GET', `/users/${other}`, token],
          ['GET', '/feed', token],
          ['PATCH', '/me', token, { bio: `bio ${n}` }],
          ['GET', '/users/celebrity', token],
          [follows % 2 ? 'DELETE' : 'PUT', `/users/${other}/follow`, token],
        ][n % 6] as [string, string, string | undefined, unknown?];
        if (n % 6 === 5) follows++;
        requests++;
        try {
          const res = await api(...step);
          if (res.status >= 300)
            failures.push(`${step[0]} ${step[1]}: ${res.status} ${JSON.stringify(res.body)}`);
        } catch (err) {
          failures.push(`${step[0]} ${step[1]}: ${String(err)}`);
        }
      }
    };
    const restartsBefore = new Map((await stage.topology()).processes.map((p) => [p.name, p.restarts]));
    const load = Promise.all(Array.from({ length: 8 }, (_, i) => worker(i)));
    try {
      await sleep(2000);
      const topology = await stage.topology();
      const redis = topology.processes.find((p) => p.name === 'redis')!;
      const hitsBefore = (await cacheReads()).get('hit') ?? 0;
      expect(hitsBefore).toBeGreaterThan(0);
      process.kill(redis.pid!, 'SIGKILL');
      // The supervisor restarts it on the same port (empty: it keeps nothing on disk).
      await vi.waitFor(
        async () => {
          const now = (await stage.topology()).processes.find((p) => p.name === 'redis')!;
          expect(now.restarts).toBe(restartsBefore.get('redis')! + 1);
          expect(await pingRedis(HOST, redis.port!)).toBe(true);
        },
        { timeout: 30_000, interval: 200 },
      );
      // While it was away reads fell back to the database.
      const during = await cacheReads();
      expect(during.get('fallback') ?? 0).toBeGreaterThan(0);
      // Every instance reconnects by itself: hits grow again.
      const hitsBack = during.get('hit') ?? 0;
      await vi.waitFor(
        async () => expect((await cacheReads()).get('hit') ?? 0).toBeGreaterThan(hitsBack + 50),
        {
          timeout: 60_000,
          interval: 500,
        },
      );
      await sleep(1000);
    } finally {
      stop = true;
      await load;
    }
    expect(requests).toBeGreaterThan(100);
    expect(failures.slice(0, 20)).toEqual([]);
    // No application process was restarted to get there.
    for (const p of (await stage.topology()).processes.filter((p) => p.name !== 'redis'))
      expect([p.name, p.restarts]).toEqual([p.name, restartsBefore.get(p.name)]);
    for (const text of await scrape(apiPorts)) expect(text).toMatch(/^graminsta_cache_store_up 1$/m);
  }, 180_000);

  it('has metrics on every role that move under load, each with a bounded set of labels', async () => {
    const { processes } = await stage.topology();
    const roles = ['api', 'web', 'worker', 'realtime'] as const;
    const portsOf = (role: string) => processes.filter((p) => p.role === role).map((p) => p.port!);
    const everyRole = async () =>
      Object.fromEntries(await Promise.all(roles.map(async (r) => [r, await scrape(portsOf(r))] as const)));
    const total = (texts: readonly string[], name: string) =>
      texts.reduce((sum, text) => sum + sumMetric(text, name), 0);
    const before = await everyRole();

    // Load touching every role: pages from the web tier, reads and writes on the API, a photo
    // the worker processes, and a socket on a realtime process that is told of a like.
    const owner = await signUp('metrics_owner');
    const fan = await signUp('metrics_fan');
    for (let i = 0; i < 20; i++) {
      expect((await fetch(`${first.urls.web}/`)).status).toBe(200);
      expect((await api('GET', '/users/metrics_owner', fan)).status).toBe(200);
    }
    const photoId = await postPhoto(owner, 'measured');
    await caughtUp();
    const ws = new WebSocket(wsUrl());
    const heard = new Promise<void>((resolve) =>
      ws.on('message', (raw: Buffer) => {
        const msg = JSON.parse(String(raw)) as Json;
        if (msg.type === 'ready')
          void api('PUT', `/photos/${photoId}/like`, fan).then((r) => expect(r.status).toBeLessThan(300));
        else if (msg.type === 'notification') resolve();
      }),
    );
    await new Promise<void>((resolve, reject) => ws.once('open', resolve).once('error', reject));
    try {
      ws.send(JSON.stringify({ type: 'auth', token: owner }));
      await heard;
    } finally {
      ws.close();
    }
    const after = await everyRole();

    const moved = (role: (typeof roles)[number], name: string) =>
      [role, name, total(after[role]!, name) > total(before[role]!, name)] as const;
    const requests = 'graminsta_http_request_duration_seconds_count';
    for (const [role, name] of [
      ['api', requests],
      ['api', 'graminsta_db_queries_total'],
      ['api', 'graminsta_db_query_duration_seconds_count'],
      ['api', 'graminsta_cache_reads_total'],
      ['web', requests],
      ['worker', 'graminsta_queue_job_run_seconds_count'],
      ['worker', 'graminsta_db_queries_total'],
      ['realtime', 'graminsta_realtime_deliveries_total'],
      ['realtime', 'graminsta_realtime_delivery_seconds_count'],
    ] as const)
      expect(moved(role, name)).toEqual([role, name, true]);
    // Saturation on every role: CPU, memory and event-loop delay, from every process.
    for (const role of roles)
      for (const text of after[role]!)
        for (const name of [
          'graminsta_process_cpu_seconds_total',
          'graminsta_process_resident_memory_bytes',
          'graminsta_nodejs_eventloop_lag_p99_seconds',
        ])
          expect([role, name, seriesOf(text, name).length]).toEqual([role, name, 1]);

    // Bounded labels: no label value is an id, a number, a path with one in it or a username, and
    // no metric has more series than its label sets could make (route patterns, job names, outcomes).
    const looksLikeAnId =
      /^\d{3,}$|[0-9a-f]{8}-[0-9a-f]{4}|^[0-9A-HJKMNP-TV-Z]{26}$|\/\d+|metrics_(owner|fan)/i;
    for (const role of roles)
      for (const text of after[role]!) {
        const perMetric = new Map<string, number>();
        for (const line of text.split('\n')) {
          if (line.startsWith('#') || !line.includes('{')) continue;
          const name = line.slice(0, line.indexOf('{')).replace(/_(bucket|sum|count)$/, '');
          perMetric.set(name, (perMetric.get(name) ?? 0) + 1);
          for (const [, label, value] of line.matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g))
            if (label !== 'le' && label !== 'quantile' && label !== 'version')
              expect(`${role} ${name}{${label}="${value}"}`).not.toMatch(looksLikeAnId);
        }
        for (const [name, count] of perMetric)
          expect([role, name, count < 2_000]).toEqual([role, name, true]);
      }
  }, 180_000);
  it('doctor: with replay paused on the replica it names the lag and the reads that fell back to the primary', async () => {
    const author = await signUp('lag_author');
    const reader = await signUp('lag_reader');
    const photoId = await postPhoto(author, 'lagging replica');
    await caughtUp();
    const replica = new pg.Client({ connectionString: first.postgres!.replicaUrls[0] });
    await replica.connect();
    let stop = false;
    let failed = 0;
    // Writes by one user and plain reads by another, through the balancer, all along.
    const traffic = (async () => {
      for (let n = 0; !stop; n++) {
        const w = await api('POST', `/photos/${photoId}/comments`, author, { body: `while paused ${n}` });
        const r = await api('GET', `/photos/${photoId}/comments`, reader);
        if (w.status !== 201 || r.status !== 200) failed++;
        await sleep(50);
      }
    })();
    let result: Awaited<ReturnType<typeof runDoctorCli>>;
    try {
      await replica.query('select pg_wal_replay_pause()');
      // Past the router's lag cut-off, reads leave the replica for the primary (reason `lagging`).
      await vi.waitFor(
        async () =>
          expect(sumByAcross(await scrape(apiPorts), DB_READS, 'reason').get('lagging') ?? 0).toBeGreaterThan(
            0,
          ),
        { timeout: 60_000, interval: 500 },
      );
      result = await runDoctorCli({ DATA_DIR: stage.dataDir });
    } finally {
      stop = true;
      await traffic;
      await replica.query('select pg_wal_replay_resume()');
      await replica.end();
    }
    console.log(`graminsta doctor, stage 6, replica replay paused:\n${result.report}`);
    expect(failed).toBe(0);
    const top = result.diagnosis.findings[0]!;
    expect(top.kind, result.report).toBe('replica-lag');
    expect(top.stage).toBe(6);
    expect(top.evidence).toMatch(/replica 0: .*replay paused/);
    expect(top.evidence).toMatch(/of plain reads \(\d+ of \d+\) fell back to the primary/);
    expect(top.remedy).toMatch(/pg_wal_replay_resume/);
    expect(result.diagnosis.numbers.reads.primaryBy.lagging).toBeGreaterThan(0);
    // Replay resumed: the replica catches up, so the tests after this one find it as before.
    await caughtUp();
  }, 240_000);
});
