import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@graminsta/platform';
import { TEST_PG_ADMIN_URL } from '@graminsta/core/testing/test-db';
import { Metrics } from '../http/metrics.ts';
import type { TopologySnapshot } from '../supervisor/up.ts';
import { parseDoctorArgs, runDoctor } from '../cli/doctor.ts';
import { collectSample, readTopology } from './collect.ts';
import { parseExposition } from './exposition.ts';
import { parseProcStat, procStat } from './proc.ts';
import { parseDecision, readScaling } from './report.ts';

const listen = (server: Server | TcpServer) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );

describe('the doctor reads', () => {
  const metrics = new Metrics();
  let dir: string;
  let servers: Array<Server | TcpServer> = [];
  const sockets: Socket[] = [];
  let ports: { real: number; silent: number; garbage: number };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'graminsta-doctor-'));
    const real = createServer((_req, res) => {
      void metrics.registry.metrics().then((text) => res.end(text));
    });
    // Takes the connection and never answers: a SIGSTOPped process, as the doctor sees it.
    const silent = createTcpServer((s) => sockets.push(s));
    const garbage = createServer((_req, res) =>
      res.end(Buffer.concat([randomBytes(4096), Buffer.from([0xc3, 0x28, 0, 7])])),
    );
    servers = [real, silent, garbage];
    ports = { real: await listen(real), silent: await listen(silent), garbage: await listen(garbage) };
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await rm(dir, { recursive: true, force: true });
  });

  const topology = (stage: number): TopologySnapshot => ({
    stage,
    urls: { web: '', api: '' },
    processes: [
      { name: 'api-1', role: 'api', pid: process.pid, port: ports.real, restarts: 0 },
      { name: 'worker-1', role: 'worker', pid: null, port: ports.silent, restarts: 0 },
      { name: 'web-1', role: 'web', pid: null, port: ports.garbage, restarts: 0 },
      { name: 'lb-api', role: 'balancer', pid: null, port: 1, restarts: 0 },
    ],
  });

  it("summarises a real process's /metrics, its CPU, and PostgreSQL's own view; a silent process is null", async () => {
    metrics.observeQuery(0.001, true, 'account_by_name');
    metrics.observeQuery(0.001, true, 'account_by_name');
    metrics.observeCacheRead('l1_hit');
    metrics.observeQueueWait('photo.process', 2);
    metrics.observeRead('primary', 'lagging');
    metrics.httpDuration.observe({ method: 'GET', route: '/api/v1/users/:username', status: '200' }, 0.02);
    metrics.httpDuration.observe({ method: 'GET', route: '/metrics', status: '200' }, 0.001);
    const s = await collectSample(topology(2), { DATABASE_URL: TEST_PG_ADMIN_URL });
    expect(s.processes.map((p) => p.name)).toEqual(['api-1', 'worker-1', 'web-1']);
    const api = s.processes[0]!;
    expect(api.cpuSeconds).toBeGreaterThan(0);
    expect(api.metrics).toMatchObject({
      requests: 1,
      statements: { account_by_name: 2 },
      cache: { l1_hit: 1 },
      reads: { 'primary:lagging': 1 },
      queueWaitSum: 2,
      queueWaitCount: 1,
    });
    expect(api.metrics!.eventLoopP99).not.toBeNull();
    expect(s.processes[1]!.metrics).toBeNull();
    // Garbage parses to nothing counted, without a throw.
    expect(s.processes[2]!.metrics).toMatchObject({ requests: 0, statements: {} });
    expect(s.database.cpuOf).toBe('machine');
    expect(s.database.cpuSeconds).toBeGreaterThan(0);
    expect(s.database.stats!.commits).toBeGreaterThan(0);
    expect(s.database.problem).toBeUndefined();
  }, 20_000);

  it('says the database did not answer without quoting its URL (which may hold a password)', async () => {
    const s = await collectSample(topology(3), { DATABASE_URL: 'postgres://u:sekrit@127.0.0.1:1/x' });
    expect(s.database.problem).toMatch(/did not answer/);
    expect(JSON.stringify(s)).not.toContain('sekrit');
    // Stage 1's database is PGlite inside the process: no database part at all.
    expect((await collectSample(topology(1), {})).database.cpuOf).toBe('none');
  }, 20_000);

  it('refuses a missing, broken or foreign topology.json with a ConfigError that says what to do', async () => {
    await expect(readTopology(join(dir, 'nothing'))).rejects.toThrow(/is `graminsta up` running/);
    for (const bad of [
      '{',
      '[]',
      '{"stage":"6","processes":[]}',
      '{"stage":6,"processes":[1]}',
      '\u0000\xff',
    ]) {
      await writeFile(join(dir, 'topology.json'), bad);
      await expect(readTopology(dir)).rejects.toBeInstanceOf(ConfigError);
    }
    await writeFile(join(dir, 'topology.json'), JSON.stringify(topology(5)));
    expect((await readTopology(dir)).stage).toBe(5);
  });

  it('reads the last scaling decisions, skipping lines that are not one, and strips control characters', async () => {
    const file = join(dir, 'scaling.jsonl');
    expect(await readScaling(file)).toEqual([]);
    const good = (i: number) =>
      JSON.stringify({
        at: `2026-12-03T20:0${i}:00Z`,
        group: 'api',
        from: i,
        to: i + 1,
        reason: 'cpu 91% > 70%',
      });
    await writeFile(
      file,
      [
        good(1),
        '{"at":1}',
        'not json',
        '\xff\xfe',
        JSON.stringify({ ...JSON.parse(good(2)), reason: 'a\u001b[2Jb' }),
        good(3),
        '{"group":',
      ].join('\n'),
    );
    const got = await readScaling(file);
    expect(got.map((d) => d.to)).toEqual([2, 3, 4]);
    expect(got[1]!.reason).toBe('a [2Jb');
    expect(parseDecision('null')).toBeNull();
  });

  it('parses /proc stat lines with odd names, and Prometheus text with infinities and garbage', async () => {
    const own = await procStat(process.pid);
    expect(own).toMatchObject({ pid: process.pid, ppid: process.ppid });
    const line = '42 (a) b (c)) S 7 42 42 0 -1 4194304 1 0 0 0 250 150 10 20 20 0 1 0 1 1 1';
    expect(parseProcStat(line)).toMatchObject({ pid: 42, comm: 'a) b (c)', ppid: 7, cpuSeconds: 4.3 });
    expect(parseProcStat('garbage')).toBeNull();
    const exp = parseExposition('# HELP x\nlag{replica="0"} +Inf\nq{a="b\\"c"} 3\nbroken{ 1\n\u0000\xff');
    expect(exp.get('lag')![0]!.value).toBe(Infinity);
    expect(exp.get('q')![0]!.labels.a).toBe('b\\"c');
    expect(exp.has('broken')).toBe(false);
  });

  it('takes --seconds 1..300 and --json, and refuses anything else', async () => {
    expect(parseDoctorArgs({})).toEqual({ seconds: 10, json: false });
    expect(parseDoctorArgs({ seconds: '3', json: true })).toEqual({ seconds: 3, json: true });
    for (const bad of ['0', '301', '1.5', 'x', '', '1e2'])
      expect(() => parseDoctorArgs({ seconds: bad })).toThrow(ConfigError);
    await expect(runDoctor({ DATA_DIR: join(dir, 'none') }, { seconds: 1, json: false })).rejects.toThrow(
      ConfigError,
    );
  });

  it('runs whole on a topology.json: the report puts findings first, then the numbers', async () => {
    await writeFile(join(dir, 'topology.json'), JSON.stringify(topology(1)));
    const out: string[] = [];
    await runDoctor({ DATA_DIR: dir }, { seconds: 1, json: false }, (t) => out.push(t));
    const text = out.join('\n');
    expect(text).toMatch(/^graminsta doctor: stage 1/);
    expect(text).toMatch(/\n1\. /);
    expect(text).toMatch(/\ntier +inst/);
    expect(text.indexOf('1. ')).toBeLessThan(text.indexOf('tier '));
    const json: string[] = [];
    await runDoctor({ DATA_DIR: dir }, { seconds: 1, json: true }, (t) => json.push(t));
    const parsed = JSON.parse(json[0]!) as {
      findings: unknown[];
      numbers: { tiers: Array<{ silent: string[] }> };
    };
    expect(parsed.findings.length).toBeGreaterThan(0);
    expect(parsed.numbers.tiers.find((t) => t.silent.length)?.silent).toEqual(['worker-1']);
  }, 30_000);
});
