import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { usingPostgres } from '@graminsta/core/testing/test-db';
import { pingRedis } from '@graminsta/topology';
import { startStage, type StageProcess } from '../src/testing/stage-process.ts';
import { deltas, scrape, sumBy, sumByAcross } from '../src/testing/metrics-text.ts';
import { rush } from '../src/testing/rush.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HOST = '127.0.0.1';
const QUERIES = 'graminsta_db_queries_total';
const CACHE_READS = 'graminsta_cache_reads_total';

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

  /** Reads `path` a few times on each instance so every cache layer holds it (and it counts as hot). */
  const warm = async (path: string, token?: string, times = 30) => {
    for (let i = 0; i < times; i++) for (const r of await onEach(path, token)) expect(r.status).toBe(200);
  };

  beforeAll(async () => {
    stage = await startStage(6, ['--api', '3', '--web', '1', '--workers', '1']);
    const topology = await stage.topology();
    balancer = topology.urls.api;
    apiPorts = topology.processes.filter((p) => p.name.startsWith('api-')).map((p) => p.port!);
    apiBases = apiPorts.map((port) => `http://${HOST}:${port}`);
  }, 240_000);
  afterAll(async () => {
    expect(await stage?.stop()).toBe(0);
  }, 120_000);

  it('runs stage 5 plus its own Redis, whose address every process of the stage gets', async () => {
    const topology = await stage.topology();
    expect(topology.processes.map((p) => p.name).sort()).toEqual([
      'api-1',
      'api-2',
      'api-3',
      'edge',
      'lb-api',
      'lb-web',
      'object-store',
      'redis',
      'web-1',
      'worker-1',
    ]);
    const redis = topology.processes.find((p) => p.name === 'redis')!;
    expect(topology.redisUrl).toBe(`redis://${HOST}:${redis.port}`);
    expect(await pingRedis(HOST, redis.port!)).toBe(true);
    // Browsers never reach it: it is no front.
    expect(Object.keys(topology.urls).sort()).toEqual(['api', 'cdn', 'store', 'web']);
    // Each API instance reads through the Redis cache (h/cache's gauge).
    for (const text of await scrape(apiPorts)) expect(text).toMatch(/^graminsta_cache_store_up 1$/m);
  });

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
      const before = await queriesEach();
      const crowd = await rush(apiBases, '/api/v1/users/celebrity', 5000);
      const after = await queriesEach();
      expect([...crowd.statuses], `round ${round}`).toEqual([[200, 5000]]);
      const names = new Set([...crowd.bodies.keys()].map((b) => (JSON.parse(b) as Json).displayName));
      expect([...names], `round ${round}`).toEqual([displayName ?? '']);
      // Which process ran which statements: a second query tells whether the lease or the key layout let it through.
      const each = after.map((a, i) => Object.fromEntries(deltas(before[i]!, a)));
      const ran: Record<string, number> = {};
      for (const d of each)
        for (const [name, n] of Object.entries(d)) if (n > 0) ran[name] = (ran[name] ?? 0) + n;
      console.log(`round ${round}: statements run by each API process during the crowd:`, each);
      expect(ran, `round ${round}: ${JSON.stringify(each)}`).toEqual(statements);
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
    for (const r of await onEach('/users/ryw_author', reader)) expect(r.body.photoCount).toBe(1);
    for (const r of await onEach('/users/ryw_author/photos', reader))
      expect((r.body.items as Json[]).map((p) => p.id)).toContain(photoId);
    for (const r of await onEach('/feed', reader))
      expect((r.body.items as Json[]).map((p) => p.id)).toContain(photoId);

    // A like: the liker sees their like, the author only the count.
    await warm(`/photos/${photoId}`, reader);
    await warm(`/photos/${photoId}`, author);
    expect((await api('PUT', `/photos/${photoId}/like`, reader)).status).toBeLessThan(300);
    for (const r of await onEach(`/photos/${photoId}`, reader))
      expect([r.body.likedByMe, r.body.likeCount]).toEqual([true, 1]);
    for (const r of await onEach(`/photos/${photoId}`, author))
      expect([r.body.likedByMe, r.body.likeCount]).toEqual([false, 1]);

    // Deleted: gone from every instance's reads at once.
    expect((await api('DELETE', `/photos/${photoId}`, author)).status).toBe(200);
    for (const r of await onEach(`/photos/${photoId}`, reader)) expect(r.status).toBe(404);
    for (const r of await onEach('/users/ryw_author', reader)) expect(r.body.photoCount).toBe(0);
    for (const r of await onEach('/feed', reader))
      expect((r.body.items as Json[]).map((p) => p.id)).not.toContain(photoId);
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
          expect(now.restarts).toBe(1);
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
      expect([p.name, p.restarts]).toEqual([p.name, 0]);
    for (const text of await scrape(apiPorts)) expect(text).toMatch(/^graminsta_cache_store_up 1$/m);
  }, 180_000);
});
