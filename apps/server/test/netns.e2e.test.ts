import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery, pgUrlFor, usingPostgres } from '@graminsta/core/testing/test-db';
import {
  freePort,
  nginxArgs,
  nginxBinary,
  renderBalancer,
  stopProcess,
  waitReady,
  writeNginxConf,
} from '@graminsta/topology';
import { GRAMINSTA_BIN } from '../src/graminsta-bin.ts';
import {
  createNetnsHost,
  destroyNetnsHosts,
  IP_BIN,
  NETNS_MARKER,
  netnsMissing,
  netnsMustRun,
  removeLeftovers,
  startForwarder,
  type Forwarder,
  type NetnsHost,
} from '../src/testing/netns.ts';

// API instances as separate hosts: two in network namespaces behind veth links, one on loopback,
// all behind the stage-4 nginx balancer. Root only, and PostgreSQL (many processes, one database).
const PREFIX = 'gsn';
const tag = `${PREFIX}${process.pid % 1000}`;

interface Proc {
  name: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

const procs: Proc[] = [];

function launch(name: string, command: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(command, args, {
    env: { ...process.env, ...env, [NETNS_MARKER]: String(process.pid) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const proc = { name, child, output: () => out, exited };
  procs.push(proc);
  return proc;
}

const stopProc = (p: Proc, signal: NodeJS.Signals) => stopProcess(p.child, p.exited, signal, 10_000);

interface Result {
  status: number;
  who: string;
  startPhase: Phase;
  endPhase: Phase;
}
type Phase = 'before' | 'cut' | 'after';

const missing = netnsMissing();

// Many processes share one database, so this runs in the PostgreSQL pass; there it runs or fails.
describe.runIf(missing !== null && usingPostgres() && netnsMustRun())(
  'network-namespace prerequisites',
  () => {
    it('are on this machine', () => {
      throw new Error(
        `the network-namespace test cannot run: ${missing}. Install them (scripts/install-system-deps.sh), ` +
          'run as root, or skip it explicitly with GRAMINSTA_SKIP_NETNS=1.',
      );
    });
  },
);

describe.skipIf(missing !== null || !usingPostgres())('API instances as hosts in network namespaces', () => {
  const names = [`${tag}a`, `${tag}b`];
  const dbName = `graminsta_netns_${process.pid}`;
  let dir = '';
  let hosts: NetnsHost[] = [];
  const forwarders: Forwarder[] = [];
  let lb = '';

  beforeAll(async () => {
    await removeLeftovers(PREFIX);
    dir = await mkdtemp(join(tmpdir(), 'graminsta-netns-'));
    await adminQuery(`drop database if exists "${dbName}" with (force)`);
    await adminQuery(`create database "${dbName}"`);
    hosts = [await createNetnsHost(names[0]!, 1), await createNetnsHost(names[1]!, 2)];
    const pgPort = Number(new URL(pgUrlFor(dbName)).port || 5432);
    const upstreams: string[] = [];
    const start = (id: string, host: string, port: number, dbUrl: string, netns?: string) => {
      const node = [process.execPath, GRAMINSTA_BIN, 'start', '--roles', 'api,realtime'];
      const [command, ...args] = netns ? [IP_BIN!, 'netns', 'exec', netns, ...node] : node;
      launch(id, command!, args, {
        HOST: host,
        PORT: String(port),
        INSTANCE_ID: id,
        DATABASE_URL: dbUrl,
        DATA_DIR: join(dir, id),
        LOG_LEVEL: 'warn',
      });
      upstreams.push(`${host}:${port}`);
    };
    // The loopback instance migrates first; the namespaced ones start on a ready schema.
    start('host-1', '127.0.0.1', await freePort(), pgUrlFor(dbName));
    await waitReady(`http://${upstreams[0]}/readyz`, 120_000);
    for (const [i, h] of hosts.entries()) {
      // PostgreSQL listens on loopback only: a relay on the host's end of each link reaches it.
      const fwd = await startForwarder(h.hostAddr, pgPort);
      forwarders.push(fwd);
      start(`ns-${'ab'[i]}`, h.nsAddr, 3000, `postgres://postgres@${h.hostAddr}:${fwd.port}/${dbName}`, h.ns);
    }
    await Promise.all(upstreams.map((u) => waitReady(`http://${u}/readyz`, 120_000)));

    const prefix = join(dir, 'nginx');
    await mkdir(prefix, { recursive: true });
    const listenPort = await freePort();
    await writeNginxConf(prefix, renderBalancer({ listenHost: '127.0.0.1', listenPort, upstreams }));
    launch('nginx', nginxBinary(), nginxArgs(prefix), {});
    lb = `http://127.0.0.1:${listenPort}`;
    await waitReady(`${lb}/healthz`);
  }, 240_000);

  afterAll(async () => {
    await Promise.all(procs.filter((p) => p.name === 'nginx').map((p) => stopProc(p, 'SIGQUIT')));
    await Promise.all(procs.filter((p) => p.name !== 'nginx').map((p) => stopProc(p, 'SIGTERM')));
    await Promise.all(forwarders.map((f) => f.close()));
    await destroyNetnsHosts(names);
    await adminQuery(`drop database if exists "${dbName}" with (force)`);
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  const get = async (path: string, phase: () => Phase): Promise<Result> => {
    const startPhase = phase();
    const res = await fetch(`${lb}${path}`, { signal: AbortSignal.timeout(60_000) });
    await res.arrayBuffer();
    return { status: res.status, who: res.headers.get('x-served-by') ?? '?', startPhase, endPhase: phase() };
  };

  it('spreads GETs over the loopback instance and both namespaced hosts', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const r = await get('/api/v1/explore', () => 'before');
      expect(r.status).toBe(200);
      seen.add(r.who);
    }
    expect([...seen].sort()).toEqual(['host-1', 'ns-a', 'ns-b']);
  });

  it('routes around a host cut off from the network with no failed GET, and uses it again once back', async () => {
    const signup = await fetch(`${lb}/api/v1/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'islander', password: 'islander password' }),
    });
    expect(signup.status).toBe(201);

    let phase: Phase = 'before';
    const results: Result[] = [];
    const total = 300;
    let issued = 0;
    const worker = async () => {
      while (issued < total) {
        const path = issued++ % 2 ? '/api/v1/explore' : '/api/v1/users/islander';
        results.push(await get(path, () => phase));
      }
    };
    const load = Promise.all([worker(), worker(), worker(), worker()]);
    let loadDone = false;
    void load.finally(() => (loadDone = true));
    const until = async (cond: () => boolean) => {
      while (!cond() && !loadDone) await new Promise((r) => setTimeout(r, 20));
    };

    await until(() => results.length >= 40);
    await hosts[0]!.cut();
    phase = 'cut';
    // Keep the link down while a good share of the load is served by the other two.
    await until(() => results.filter((r) => r.startPhase === 'cut').length >= 100);
    await hosts[0]!.restore();
    phase = 'after';
    await load;

    // A request ns-a was serving at the cut is held by TCP and completes once the link is back.
    expect(results).toHaveLength(total);
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    const duringCut = results.filter((r) => r.startPhase === 'cut' && r.endPhase === 'cut');
    expect(duringCut.length).toBeGreaterThanOrEqual(100);
    expect(new Set(duringCut.map((r) => r.who))).toEqual(new Set(['host-1', 'ns-b']));
    expect(results.some((r) => r.startPhase === 'before' && r.who === 'ns-a')).toBe(true);

    // nginx skips a failed upstream for fail_timeout (3 s), then tries it again.
    let back = false;
    for (let i = 0; i < 200 && !back; i++) {
      const r = await get('/api/v1/explore', () => 'after');
      expect(r.status).toBe(200);
      back = r.who === 'ns-a';
      if (!back) await new Promise((r) => setTimeout(r, 100));
    }
    expect(back).toBe(true);
  }, 180_000);
});
