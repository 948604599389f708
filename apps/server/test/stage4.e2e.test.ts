import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usingPostgres } from '@graminsta/core/testing/test-db';
import {
  runWorkload,
  signUpUsers,
  workloadImages,
  type ResponseEvent,
  type Session,
} from '@graminsta/loadgen';
import { jpegWithGps } from '../src/testing/images.ts';
import { apiJourney } from '../src/testing/journey.ts';
import { commentUntilKilled, type KillDuringWritesResult } from '../src/testing/kill-during-writes.ts';
import { expectWritesAppliedOnce, failedReads } from '../src/testing/write-audit.ts';
import { startStage, type StageProcess } from '../src/testing/stage-process.ts';
import { startSmtpTestServer, type SmtpTestServer } from '@graminsta/platform/mail/smtp-test-server';
import { safetyJourney } from '../src/testing/safety-journey.ts';

const instanceOf = async (stage: StageProcess, name: string) =>
  (await stage.topology()).processes.find((p) => p.name === name)!;

/** Waits until the supervisor has restarted `name` (a new pid) and it answers /readyz again. */
async function restarted(stage: StageProcess, name: string, oldPid: number) {
  for (let i = 0; i < 600; i++) {
    const p = await instanceOf(stage, name);
    if (p.pid && p.pid !== oldPid) {
      const ready = await fetch(`http://127.0.0.1:${p.port}/readyz`).catch(() => null);
      if (ready?.ok) return p;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not come back`);
}

async function signUp(api: string, username: string): Promise<string> {
  const res = await fetch(`${api}/api/v1/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'a witness password' }),
  });
  if (res.status !== 201) throw new Error(`sign-up: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a browser fetches from the web tier: the page, client routes, and a hashed script. */
async function pagePaths(web: string) {
  const html = await (await fetch(`${web}/`)).text();
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  if (!script) throw new Error('index.html names no script');
  return ['/', '/explore', '/u/somebody', script];
}

/** Waits until an answer recorded from now on came from `name`: the balancer sends it work again. */
async function servedAgainBy(answers: readonly { servedBy: string | null }[], name: string) {
  const from = answers.length;
  for (let i = 0; i < 300; i++) {
    if (answers.slice(from).some((a) => a.servedBy === name)) return;
    await sleep(50);
  }
  throw new Error(`the balancer sent ${name} nothing for 15 s`);
}

interface PageLoad {
  path: string;
  startedAt: number;
  servedBy: string | null;
  /** Null when the whole body arrived with 200; else the status or the network error. */
  error: string | null;
}

const LOADERS = 4;

/** LOADERS browsers' worth of page loads through the web balancer, one after another, until stopped. */
function pageLoads(web: string, paths: string[]) {
  const loads: PageLoad[] = [];
  let stopped = false;
  const loaders = Array.from({ length: LOADERS }, async (_, n) => {
    for (let i = n; !stopped; i++) {
      const load: PageLoad = {
        path: paths[i % paths.length]!,
        startedAt: performance.now(),
        servedBy: null,
        error: null,
      };
      try {
        const res = await fetch(`${web}${load.path}`);
        load.servedBy = res.headers.get('x-served-by');
        await res.arrayBuffer();
        if (res.status !== 200) load.error = `status ${res.status}`;
      } catch (err) {
        load.error = String((err as Error).cause ?? err);
      }
      loads.push(load);
    }
  });
  return {
    loads,
    async stop() {
      stopped = true;
      await Promise.all(loaders);
      return loads;
    },
  };
}

// Stage 4 is PostgreSQL by definition (many processes, one database): it runs in the PostgreSQL pass.
// One topology serves every test here; they run in order, and each leaves every instance serving.
describe.skipIf(!usingPostgres())('stage 4', () => {
  let stage: StageProcess;
  let api: string;
  let web: string;
  let smtp: SmtpTestServer;

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
    stage = await startStage(4, ['--api', '3', '--web', '2'], { SMTP_URL: smtp.url });
    ({ api, web } = (await stage.topology()).urls);
  }, 240_000);
  afterAll(async () => {
    expect(await stage?.stop()).toBe(0);
    await smtp?.close();
  }, 120_000);

  it('keeps trust and safety across instances: privacy, blocks, reports, mail, export, deletion', async () => {
    await safetyJourney(
      { api, smtp, cliEnv: { DATABASE_URL: stage.databaseUrl, DATA_DIR: stage.dataDir } },
      'ts4',
    );
  }, 240_000);

  describe('stateless tiers behind nginx', () => {
    const servedBy = async (url: string, n: number, init?: RequestInit) => {
      const seen = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const res = await fetch(url, init);
        expect(res.status).toBe(200);
        await res.arrayBuffer();
        const who = res.headers.get('x-served-by') ?? '?';
        seen.set(who, (seen.get(who) ?? 0) + 1);
      }
      return seen;
    };

    it('writes its topology: every role, with pids and ports', async () => {
      const topology = await stage.topology();
      const names = topology.processes.map((p) => p.name).sort();
      expect(names).toEqual([
        'api-1',
        'api-2',
        'api-3',
        'lb-api',
        'lb-web',
        'storage-1',
        'storage-2',
        'web-1',
        'web-2',
        'worker-1',
      ]);
      for (const p of topology.processes) expect(p.pid).toBeGreaterThan(0);
    });

    it('serves the whole API journey through the balancer', async () => {
      await apiJourney(api, stage.dataDir);
    }, 120_000);

    it('takes a post of three photos through the balancer and serves it in order from another instance', async () => {
      const token = await signUp(api, 'carousel');
      const auth = { authorization: `Bearer ${token}` };
      const json = { ...auth, 'content-type': 'application/json' };
      const sizes: Array<[number, number]> = [
        [300, 200],
        [200, 300],
        [250, 250],
      ];
      const media = [];
      for (const [i, [w, h]] of sizes.entries()) {
        const bytes = await jpegWithGps(w, h);
        const up = await fetch(`${api}/api/v1/uploads`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ contentType: 'image/jpeg', size: bytes.length }),
        });
        expect(up.status).toBe(201);
        const target = (await up.json()) as {
          uploadId: string;
          upload: { url: string; headers: Record<string, string> };
        };
        const put = await fetch(new URL(target.upload.url, api), {
          method: 'PUT',
          headers: target.upload.headers,
          body: new Uint8Array(bytes),
        });
        expect(put.status).toBe(201);
        media.push({ uploadId: target.uploadId, altText: `item ${i + 1}` });
      }
      const created = await fetch(`${api}/api/v1/photos`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ media, caption: 'three through the balancer' }),
      });
      expect(created.status).toBe(202);
      const createdBy = created.headers.get('x-served-by');
      const { id } = (await created.json()) as { id: string };

      type Post = { status: string; media: Array<{ altText: string; width: number; height: number }> };
      let post: Post | null = null;
      for (let i = 0; i < 600 && post?.status !== 'ready'; i++) {
        if (i > 0) await sleep(100);
        post = (await (await fetch(`${api}/api/v1/photos/${id}`, { headers: auth })).json()) as Post;
        expect(post.status).not.toBe('failed');
      }
      expect(post!.status).toBe('ready');
      // Read straight from an API instance that did not take the post.
      const other = (await stage.topology()).processes.find(
        (p) => p.name.startsWith('api-') && p.name !== createdBy,
      )!;
      const read = await fetch(`http://127.0.0.1:${other.port}/api/v1/photos/${id}`);
      expect(read.status).toBe(200);
      const seen = (await read.json()) as Post;
      expect(seen.media.map((m) => [m.altText, m.width, m.height])).toEqual([
        ['item 1', 300, 200],
        ['item 2', 200, 300],
        ['item 3', 250, 250],
      ]);
    }, 120_000);

    it('spreads requests over every API and every web instance', async () => {
      expect([...(await servedBy(`${api}/api/v1/explore`, 12)).keys()].sort()).toEqual([
        'api-1',
        'api-2',
        'api-3',
      ]);
      expect([...(await servedBy(`${web}/`, 8)).keys()].sort()).toEqual(['web-1', 'web-2']);
    });

    it('loses no page load to a killed web instance but the transfers it had under way', async () => {
      const run = pageLoads(web, await pagePaths(web));
      while (run.loads.length < 40) await sleep(20);
      const victim = await instanceOf(stage, 'web-1');
      process.kill(victim.pid!, 'SIGKILL');
      // From the moment its port refuses connections, every load must go to web-2 and succeed.
      while (
        await fetch(`http://127.0.0.1:${victim.port}/healthz`).then(
          () => true,
          () => false,
        )
      )
        await sleep(5);
      const deadAt = performance.now();
      await restarted(stage, 'web-1', victim.pid!);
      const sinceRestart = run.loads.length;
      await servedAgainBy(run.loads, 'web-1');
      const loads = await run.stop();

      const failed = loads.filter((l) => l.error !== null);
      // Bytes already sent cannot be sent again from another instance: a transfer web-1 had under
      // way (at most one per loader) may be cut off. It never turns into an error status, and
      // nothing started after web-1 was gone fails.
      expect(failed.length).toBeLessThanOrEqual(LOADERS);
      expect(failed.filter((l) => l.error!.startsWith('status'))).toEqual([]);
      expect(failed.filter((l) => l.startedAt >= deadAt)).toEqual([]);
      expect(loads.slice(sinceRestart).some((l) => l.servedBy === 'web-1')).toBe(true);
    }, 120_000);

    it('fails no page load while each web instance in turn drains and restarts', async () => {
      const run = pageLoads(web, await pagePaths(web));
      while (run.loads.length < 40) await sleep(20);
      for (const name of ['web-1', 'web-2']) {
        const before = await instanceOf(stage, name);
        process.kill(before.pid!, 'SIGTERM');
        await restarted(stage, name, before.pid!);
        // As a rollout would: the next goes only once the balancer sends the restarted one work
        // again. nginx keeps an instance that refused a connection out for fail_timeout (3 s), and
        // with two instances, stopping the other inside that window would leave none.
        await servedAgainBy(run.loads, name);
      }
      const loads = await run.stop();
      expect(loads.filter((l) => l.error !== null)).toEqual([]);
      expect(new Set(loads.map((l) => l.servedBy))).toEqual(new Set(['web-1', 'web-2']));
    }, 120_000);

    it('honours a session made on one instance on every other', async () => {
      const res = await fetch(`${api}/api/v1/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'roamer', password: 'roaming password' }),
      });
      expect(res.status).toBe(201);
      const { token } = (await res.json()) as { token: string };
      const seen = await servedBy(`${api}/api/v1/me`, 12, { headers: { authorization: `Bearer ${token}` } });
      expect([...seen.keys()].sort()).toEqual(['api-1', 'api-2', 'api-3']);
    });
  });

  describe('under load: failover and rolling restart', () => {
    const instance = (name: string) => instanceOf(stage, name);
    const backAgain = (name: string, oldPid: number) => restarted(stage, name, oldPid);

    const answers: ResponseEvent[] = [];
    // The load's users and their first photos, made once: each test's load would otherwise wait
    // for its set-up photos behind the processing backlog the previous test's uploads left.
    let sessions: Session[] = [];
    beforeAll(async () => {
      sessions = await signUpUsers(api, 4, {
        photosPerUser: 1,
        images: await workloadImages(),
        allowRemote: false,
      });
    }, 180_000);

    /** Runs the mixed workload while `during` acts, and for `afterMs` more once it is done. */
    async function underLoad(afterMs: number, during: () => Promise<void>) {
      answers.length = 0;
      const done = new AbortController();
      const load = runWorkload({
        baseUrl: api,
        sessions,
        durationMs: 600_000,
        signal: done.signal,
        concurrency: 6,
        onResponse: (event) => void answers.push(event),
      });
      // A load that stops early (its start failed) fails the test now, not at its timeout.
      let ended: unknown = null;
      void load.catch((err: unknown) => (ended = err ?? new Error('the load stopped')));
      try {
        // Act once the workload is really running.
        while (answers.length < 60) {
          if (ended) throw ended;
          await sleep(50);
        }
        await during();
        await sleep(afterMs);
      } finally {
        done.abort();
      }
      return load;
    }

    it('SIGKILL of an API instance with writes in flight on it loses no read, doubles no write, and the restarted one serves again', async () => {
      const victim = await instance('api-2');
      const token = await signUp(api, 'witness');
      let cut: KillDuringWritesResult | null = null;
      const report = await underLoad(5_000, async () => {
        const explore = (await (await fetch(`${api}/api/v1/explore?limit=1`)).json()) as {
          items: { id: string }[];
        };
        // Writes straight to api-2 (the balancer would pick any instance), so some are on it when it dies.
        cut = await commentUntilKilled({
          url: `http://127.0.0.1:${victim.port}`,
          photoId: explore.items[0]!.id,
          tokens: [token],
          kill: () => process.kill(victim.pid!, 'SIGKILL'),
          writers: 6,
          acknowledgedBeforeKill: 10,
          inFlightAtKill: 3,
        });
        await backAgain('api-2', victim.pid!);
      });
      const { writes, cutOff, killed } = cut!;
      expect(killed).toBe(true);
      expect(cutOff, 'writes sent to api-2 that its death left unanswered').toBeGreaterThan(0);
      expect(failedReads(report)).toEqual({});
      expect(report.totals.count).toBeGreaterThan(100);
      // The cut-off writes are audited with the workload's: applied at most once, and once if acknowledged.
      expect(
        await expectWritesAppliedOnce(stage.databaseUrl, {
          ...report,
          writes: [...report.writes, ...writes],
        }),
      ).toBeGreaterThan(writes.length);
      // nginx skips a failed instance for a few seconds, then tries it again.
      const seen = new Set<string>();
      for (let i = 0; i < 100 && !seen.has('api-2'); i++) {
        const res = await fetch(`${api}/api/v1/explore`);
        expect(res.status).toBe(200);
        seen.add(res.headers.get('x-served-by') ?? '');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(seen).toContain('api-2');
    }, 180_000);

    it('SIGTERM of each API instance in turn fails no request', async () => {
      const report = await underLoad(2_000, async () => {
        for (const name of ['api-1', 'api-2', 'api-3']) {
          const before = await instance(name);
          process.kill(before.pid!, 'SIGTERM');
          await backAgain(name, before.pid!);
          await servedAgainBy(answers, name);
        }
      });
      expect(report.totals.failed).toBe(0);
      expect(failedReads(report)).toEqual({});
    }, 240_000);

    it('SIGHUP to `graminsta up` restarts every instance in turn, failing no request', async () => {
      const before = await stage.topology();
      const pages = pageLoads(web, await pagePaths(web));
      const report = await underLoad(2_000, async () => {
        stage.child.kill('SIGHUP');
        while (!stage.output().includes('[up] rolling restart done')) await sleep(200);
      });
      // With two web instances, restarting the second before the balancer takes the first back
      // would leave none: the page loads fail if the supervisor does not wait for that.
      expect((await pages.stop()).filter((l) => l.error !== null)).toEqual([]);
      // Uploads and their processing ride through the storage and worker restarts too.
      expect(report.totals.failed).toBe(0);
      expect(failedReads(report)).toEqual({});
      expect(report.endpoints['upload-bytes'].count).toBeGreaterThan(0);
      expect(await expectWritesAppliedOnce(stage.databaseUrl, report)).toBeGreaterThan(0);
      const after = await stage.topology();
      for (const p of after.processes.filter((q) => q.role !== 'balancer')) {
        expect(p.pid, p.name).not.toBe(before.processes.find((q) => q.name === p.name)!.pid);
      }
    }, 300_000);
  });
});
