import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usingPostgres } from '@graminsta/core/testing/test-db';
import { runWorkload } from '../../../bench/lib/workload.ts';
import { apiJourney } from '../src/testing/journey.ts';
import { expectWritesAppliedOnce, failedReads } from '../src/testing/write-audit.ts';
import { startStage, type StageProcess } from '../src/testing/stage-process.ts';

// Stage 4 is PostgreSQL by definition (many processes, one database): it runs in the PostgreSQL pass.
describe.skipIf(!usingPostgres())('stage 4: stateless tiers behind nginx', () => {
  let stage: StageProcess;
  let api: string;
  let web: string;

  beforeAll(async () => {
    stage = await startStage(4, ['--api', '3', '--web', '2']);
    ({ api, web } = (await stage.topology()).urls);
  }, 240_000);
  afterAll(async () => {
    const code = await stage?.stop();
    expect(code).toBe(0);
  }, 120_000);

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
      'web-1',
      'web-2',
      'worker-1',
    ]);
    for (const p of topology.processes) expect(p.pid).toBeGreaterThan(0);
  });

  it('serves the whole API journey through the balancer', async () => {
    await apiJourney(api, stage.dataDir);
  }, 120_000);

  it('spreads requests over every API and every web instance', async () => {
    expect([...(await servedBy(`${api}/api/v1/explore`, 12)).keys()].sort()).toEqual([
      'api-1',
      'api-2',
      'api-3',
    ]);
    expect([...(await servedBy(`${web}/`, 8)).keys()].sort()).toEqual(['web-1', 'web-2']);
  });

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

describe.skipIf(!usingPostgres())('stage 4 under load: failover and rolling restart', () => {
  let stage: StageProcess;
  let api: string;

  beforeAll(async () => {
    stage = await startStage(4, ['--api', '3', '--web', '1']);
    api = (await stage.topology()).urls.api;
  }, 240_000);
  afterAll(async () => {
    expect(await stage?.stop()).toBe(0);
  }, 120_000);

  const instance = async (name: string) => (await stage.topology()).processes.find((p) => p.name === name)!;

  /** Waits until the supervisor has restarted `name` (a new pid) and it answers /readyz again. */
  async function backAgain(name: string, oldPid: number) {
    for (let i = 0; i < 600; i++) {
      const p = await instance(name);
      if (p.pid && p.pid !== oldPid) {
        const ready = await fetch(`http://127.0.0.1:${p.port}/readyz`).catch(() => null);
        if (ready?.ok) return p;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${name} did not come back`);
  }

  async function underLoad(durationMs: number, during: () => Promise<void>) {
    let responses = 0;
    const load = runWorkload({
      baseUrl: api,
      signup: 4,
      photosPerUser: 1,
      durationMs,
      concurrency: 6,
      onResponse: () => void responses++,
    });
    // Act once the workload is really running, not during its sign-ups.
    while (responses < 60) await new Promise((r) => setTimeout(r, 50));
    await during();
    return load;
  }

  it('SIGKILL of an API instance loses no read, doubles no write, and the restarted one serves again', async () => {
    const victim = await instance('api-2');
    const report = await underLoad(15_000, async () => {
      process.kill(victim.pid!, 'SIGKILL');
      await backAgain('api-2', victim.pid!);
    });
    expect(failedReads(report)).toEqual({});
    expect(report.totals.count).toBeGreaterThan(100);
    expect(await expectWritesAppliedOnce(stage.databaseUrl, report)).toBeGreaterThan(0);
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
    const report = await underLoad(30_000, async () => {
      for (const name of ['api-1', 'api-2', 'api-3']) {
        const before = await instance(name);
        process.kill(before.pid!, 'SIGTERM');
        await backAgain(name, before.pid!);
      }
    });
    expect(report.totals.failed).toBe(0);
    expect(failedReads(report)).toEqual({});
  }, 240_000);
});
