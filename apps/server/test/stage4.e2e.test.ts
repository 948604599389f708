import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usingPostgres } from '@graminsta/core/testing/test-db';
import { apiJourney } from '../src/testing/journey.ts';
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
