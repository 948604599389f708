/**
 * `npm run bench -- realtime [--quick]`: the realtime tier (issue 13) against a bare `ws` server,
 * in one run, on loopback. For each target — a `graminsta start` process with ROLES=realtime, then
 * bench/lib/raw-ws-server.ts — on a fresh PostgreSQL database and a redis-server of its own:
 *
 * 1. idle sockets: N authenticated sockets held open by client processes (bench/lib/
 *    realtime-client.ts, one source address each); memory per socket = (after − before) / N,
 *    resident and V8 heap, each after a full GC asked over the inspector;
 * 2. deliveries, in two modes: `per user` — events published straight on the bus, one per user
 *    channel in batches of distinct users; `fan-out` — the same deliveries as fan-out messages
 *    of 500 users each (the `post.new` path: one bus message per batch of followers, channel
 *    `fanout`). As fast as the clients receive them (a bounded window in flight); deliveries
 *    counted at the clients over the server's CPU seconds (/proc) in the window;
 * 3. celebrity: one post to F online followers, as the announcer publishes it (fan-out messages
 *    of 500) while other users' events keep flowing; publish→receive p50/p99 of the followers'
 *    events and of the others' during the fan-out.
 *
 * Every socket's count is checked against what was published to its user. See README.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { percentile } from '@graminsta/loadgen';
import { FANOUT_CHANNEL, fanoutMessages, type FanoutMessage } from '@graminsta/core/events/fanout';
import { PostgresPubSub } from '@graminsta/platform';
import { GRAMINSTA_BIN } from '@graminsta/server';
import { freePort, startChild, startRedisServer, type Child } from '@graminsta/topology';
import { fixed, formatTable, machineInfo } from './lib/report.ts';
import { Inspector, cpuSeconds, type HeapFigures } from './lib/process-probe.ts';
import type { ClientCommand, ClientReply, SocketSpec } from './lib/realtime-protocol.ts';
import { seedSockets, type SeededSockets } from './lib/realtime-seed.ts';
import { CleanupStack, cleanUpOnSignal, makePostgresDatabase, makeTempDir } from './lib/resources.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLIENT = fileURLToPath(new URL('./lib/realtime-client.ts', import.meta.url));
const RAW_SERVER = fileURLToPath(new URL('./lib/raw-ws-server.ts', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
/** The event bus's prefix (compose.ts openEventBus) and the channel of a user's events. */
const PREFIX = 'graminsta:events:';
/** Users per fan-out message: the announcer's batch. */
const FANOUT_USERS = 500;
const userChannel = (userId: string) => `user:${userId}`;
/** Event ids far above the seeded database's, rising by one per publish. */
const FIRST_EVENT_ID = 9_000_000_000_000n;
/** Children may hold more descriptors than the machine's hard limit of 20,000 (run as root). */
const NOFILE = 65_536;

export const TARGETS = ['graminsta', 'raw ws'] as const;
export type Target = (typeof TARGETS)[number];

export interface RealtimeOptions {
  sockets: number;
  perClient: number;
  deliveries: number;
  batch: number;
  celebrityFollowers: number;
  /** Other users' events per second while the celebrity post fans out. */
  backgroundRate: number;
  targets: Target[];
  /** Heap snapshots before and after connecting (a few thousand sockets: a snapshot is big). */
  census?: boolean;
  pgAdminUrl: string;
  /** Where the JSON and markdown results go; null: nowhere. */
  outDir: string | null;
  log: (line: string) => void;
}

export const FULL: Omit<RealtimeOptions, 'targets' | 'pgAdminUrl' | 'outDir' | 'log'> = {
  // The goal's 20,000 less room for the server's own descriptors: where the hard limit is
  // 20,000 and the capability to raise it is withheld (this machine), a process holds no more.
  sockets: 19_800,
  perClient: 4_950,
  deliveries: 50_000,
  batch: 2_000,
  celebrityFollowers: 5_000,
  backgroundRate: 2_000,
};
export const QUICK: typeof FULL = {
  sockets: 500,
  perClient: 250,
  deliveries: 5_000,
  batch: 250,
  celebrityFollowers: 200,
  backgroundRate: 200,
};

export interface Latency {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface Throughput {
  published: number;
  received: number;
  seconds: number;
  cpuSeconds: number;
  perSecond: number;
  perCore: number;
}

export interface TargetResult {
  target: Target;
  /** Which bus carried the events to this target: `redis` or `postgres` (LISTEN/NOTIFY). */
  bus: 'redis' | 'postgres';
  sockets: number;
  opened: number;
  /** The server process's limit on open descriptors (sockets per process cannot pass it). */
  fdLimit: number;
  connectErrors: string[];
  before: HeapFigures;
  after: HeapFigures;
  rssPerSocket: number;
  heapPerSocket: number;
  /** external + arrayBuffers: socket buffers live outside the V8 heap. */
  externalPerSocket: number;
  /** Deliveries as one bus message per user. */
  throughput: Throughput;
  /** The same deliveries as fan-out messages of FANOUT_USERS users (the celebrity path). */
  fanoutThroughput: Throughput;
  celebrity: {
    followers: number;
    followersReached: number;
    during: Latency;
    followerLatency: Latency;
    before: Latency;
  };
  /** With `census`: what the sockets added to the heap, biggest first, per socket. */
  census?: Array<{ what: string; count: number; bytes: number }>;
  /** Sockets whose received count differs from what was published to their user (should be 0). */
  socketsOff: number;
  publishedTotal: number;
  receivedTotal: number;
  /** Sockets the server closed while the run held them (should be 0). */
  closedEarly: number;
}

export interface RealtimeReport {
  startedAt: string;
  machine: ReturnType<typeof machineInfo>;
  loadAverage: number[];
  options: Omit<RealtimeOptions, 'log' | 'pgAdminUrl'>;
  results: TargetResult[];
}

// ---------------------------------------------------------------- client processes

interface ClientProc {
  proc: ChildProcess;
  ask(cmd: ClientCommand): Promise<ClientReply>;
}

async function startClient(cleanup: CleanupStack): Promise<ClientProc> {
  const proc = spawn(
    'sh',
    ['-c', `ulimit -n ${NOFILE} 2>/dev/null; exec "$0" "$@"`, process.execPath, '--import', 'tsx', CLIENT],
    { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  cleanup.push(`stop client ${proc.pid}`, async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  proc.on('error', (err) => console.error(`client process: ${err.message}`));
  let waiting: ((r: ClientReply) => void) | null = null;
  const first = new Promise<void>((resolve, reject) => {
    proc.once('message', () => resolve());
    proc.once('exit', (code) => reject(new Error(`client process exited (${code}) before it was ready`)));
  });
  await first;
  proc.on('message', (msg: ClientReply) => {
    const w = waiting;
    waiting = null;
    w?.(msg);
  });
  return {
    proc,
    ask(cmd) {
      return new Promise((resolve, reject) => {
        if (waiting) return reject(new Error('one request at a time per client'));
        waiting = (r) => (r.type === 'error' ? reject(new Error(r.message)) : resolve(r));
        proc.send(cmd);
      });
    },
  };
}

type Stats = Extract<ClientReply, { type: 'stats' }>;

async function stats(clients: ClientProc[], perSocket = false, latencies = false): Promise<Stats[]> {
  return (await Promise.all(clients.map((c) => c.ask({ cmd: 'stats', perSocket, latencies })))) as Stats[];
}

async function totalReceived(clients: ClientProc[]): Promise<number> {
  return (await stats(clients)).reduce((s, r) => s + r.total, 0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- servers

function fdLimit(pid: number): number {
  const m = /Max open files\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

interface Server {
  child: Child;
  url: string;
  inspector: Inspector;
}

async function startTarget(
  target: Target,
  env: { databaseUrl: string; redisUrl: string; dataDir: string },
  cleanup: CleanupStack,
): Promise<Server> {
  const port = await freePort();
  const inspectPort = await freePort();
  const inspect = `--inspect=127.0.0.1:${inspectPort}`;
  const common = {
    ...process.env,
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    PORT: String(port),
  };
  const shell = (argv: string[]) => ['-c', `ulimit -n ${NOFILE} 2>/dev/null; exec "$0" "$@"`, ...argv];
  const child =
    target === 'graminsta'
      ? await startChild({
          name: 'graminsta realtime',
          command: 'sh',
          args: shell([process.execPath, inspect, GRAMINSTA_BIN, 'start']),
          cwd: ROOT,
          env: {
            ...common,
            ROLES: 'realtime',
            HOST: '127.0.0.1',
            DATA_DIR: env.dataDir,
            LOG_LEVEL: 'warn',
            // The clients name themselves in X-Forwarded-For, as a balancer would for each
            // visitor: the per-address socket limit stays on and counts them one by one.
            TRUSTED_PROXIES: '127.0.0.0/8',
          },
          readyLine: /Graminsta is ready at (\S+)/,
        })
      : await startChild({
          name: 'raw ws',
          command: 'sh',
          args: shell([process.execPath, inspect, '--import', 'tsx', RAW_SERVER]),
          cwd: ROOT,
          env: { ...common, PUBSUB_PREFIX: PREFIX },
          readyLine: /raw ws ready at (\S+)/,
        });
  cleanup.push(`stop ${target}`, async () => void (await child.stop()));
  const inspector = await Inspector.open(inspectPort);
  cleanup.push(`close the inspector of ${target}`, async () => inspector.close());
  return { child, url: `ws://127.0.0.1:${port}/ws`, inspector };
}

// ---------------------------------------------------------------- publishing

interface Publisher {
  bus: 'redis' | 'postgres';
  /** Publishes one event to each user, in order; resolves once the bus has taken them all. */
  publish(userIds: string[], phase: string): Promise<void>;
  /** The same as fan-out messages: one `post.new` body per FANOUT_USERS users, each with its own id. */
  fanout(userIds: string[], phase: string): Promise<void>;
}

/** Fan-out messages for these users: one body each (its author's name carries the mark), ids rising. */
function fanoutBatch(userIds: string[], phase: string, next: () => bigint): FanoutMessage[] {
  const out: FanoutMessage[] = [];
  for (let i = 0; i < userIds.length; i += FANOUT_USERS) {
    const data = { photoId: '1', author: { id: '1', username: `${phase}:${process.hrtime.bigint()}` } };
    const to = userIds.slice(i, i + FANOUT_USERS).map((u): [string, string] => [u, String(next())]);
    out.push({ type: 'post.new', data, to });
  }
  return out;
}

function eventText(id: bigint, phase: string): string {
  // A `photo.failed` event: the one kind with no per-recipient check on the way out, so the
  // benchmark measures the tier's fan-out, not the mute/block lookup of notifications.
  return JSON.stringify({
    id: String(id),
    type: 'photo.failed',
    data: { photoId: '1', reason: `${phase}:${process.hrtime.bigint()}` },
  });
}

function redisPublisher(redis: Redis, next: () => bigint): Publisher {
  return {
    bus: 'redis',
    async publish(userIds, phase) {
      const pipeline = redis.pipeline();
      for (const u of userIds) pipeline.publish(PREFIX + userChannel(u), eventText(next(), phase));
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0]!;
    },
    async fanout(userIds, phase) {
      const pipeline = redis.pipeline();
      for (const m of fanoutBatch(userIds, phase, next))
        pipeline.publish(PREFIX + FANOUT_CHANNEL, JSON.stringify(m));
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0]!;
    },
  };
}

function postgresPublisher(bus: PostgresPubSub, next: () => bigint): Publisher {
  return {
    bus: 'postgres',
    async publish(userIds, phase) {
      // Distinct users in one call, so concurrent NOTIFYs cannot reorder one user's events.
      await Promise.all(
        userIds.map((u) => bus.publish(userChannel(u), JSON.parse(eventText(next(), phase)) as never)),
      );
    },
    async fanout(userIds, phase) {
      // In order, each split to fit a NOTIFY payload, as the announcer does on this bus.
      for (const m of fanoutBatch(userIds, phase, next))
        for (const part of fanoutMessages(m.type, m.data, m.to, bus.maxMessageBytes))
          await bus.publish(FANOUT_CHANNEL, part as never);
    },
  };
}

// ---------------------------------------------------------------- one target

function latencyOf(values: number[] | undefined): Latency {
  const sorted = [...(values ?? [])].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/** A cheap PRNG, so runs pick the same users in the same order. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function benchTarget(
  target: Target,
  targetIndex: number,
  opts: RealtimeOptions,
  seeded: SeededSockets,
  env: { databaseUrl: string; redisUrl: string; dataDir: string },
  cleanup: CleanupStack,
): Promise<TargetResult> {
  const mark = cleanup.size;
  const log = (line: string) => opts.log(`   ${target}: ${line}`);
  try {
    const server = await startTarget(target, env, cleanup);
    const clientCount = Math.ceil(opts.sockets / opts.perClient);
    const clients = await Promise.all(Array.from({ length: clientCount }, () => startClient(cleanup)));
    await sleep(1000);
    const before = await server.inspector.collectAndMeasure();
    const censusBefore = opts.census ? await server.inspector.heapCensus() : null;

    // 1. Idle sockets.
    const users = seeded.userIds.slice(0, opts.sockets);
    const specs: SocketSpec[] = users.map((_, i) => ({
      token: seeded.tokens[i]!,
      forwardedFor: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    }));
    const slices = clients.map((_, k) => specs.slice(k * opts.perClient, (k + 1) * opts.perClient));
    const connected = await Promise.all(
      clients.map((c, k) =>
        c.ask({
          cmd: 'connect',
          url: server.url,
          sockets: slices[k]!,
          // Each client its own source address, and each target its own set of them.
          localAddress: `127.0.${targetIndex + 1}.${k + 2}`,
          parallel: 64,
        }),
      ),
    );
    const opened = connected.reduce((s, r) => s + (r.type === 'connected' ? r.opened : 0), 0);
    const connectErrors = connected.flatMap((r) => (r.type === 'connected' ? r.errors : []));
    log(
      `${opened} of ${opts.sockets} sockets authenticated${connectErrors.length ? ` (${connectErrors[0]})` : ''}`,
    );
    if (opened === 0)
      throw new Error(`${target}: no socket authenticated (${connectErrors[0] ?? 'no error'})`);
    await sleep(2000);
    const after = await server.inspector.collectAndMeasure();
    const n = Math.max(1, opened);
    const rssPerSocket = (after.rss - before.rss) / n;
    const heapPerSocket = (after.heapUsed - before.heapUsed) / n;
    const externalPerSocket =
      (after.external + after.arrayBuffers - before.external - before.arrayBuffers) / n;
    let census: TargetResult['census'];
    if (censusBefore) {
      // After the resident figure: a snapshot itself grows the process.
      const censusAfter = await server.inspector.heapCensus();
      census = [...censusAfter]
        .map(([what, a]) => {
          const b = censusBefore.get(what) ?? { count: 0, bytes: 0 };
          return { what, count: (a.count - b.count) / n, bytes: (a.bytes - b.bytes) / n };
        })
        .sort((x, y) => y.bytes - x.bytes)
        .slice(0, 15);
    }
    log(
      `${fixed(rssPerSocket / 1024, 2)} KiB resident, ${fixed(heapPerSocket / 1024, 2)} KiB heap per socket`,
    );

    // Which bus reaches this target: Redis if an event published there arrives, else NOTIFY.
    let id = FIRST_EVENT_ID;
    const next = () => id++;
    const expected = new Map<string, number>();
    const count = (ids: string[]) => ids.forEach((u) => expected.set(u, (expected.get(u) ?? 0) + 1));
    const redis = new Redis(env.redisUrl);
    redis.on('error', (err) => console.error(`publisher redis: ${err.message}`));
    cleanup.push('close the publisher', async () => void redis.disconnect());
    let publisher = redisPublisher(redis, next);
    const probeUser = [users[0]!];
    await publisher.publish(probeUser, 'P');
    count(probeUser);
    let arrived = false;
    for (let i = 0; i < 30 && !arrived; i++) {
      await sleep(100);
      arrived = (await totalReceived(clients)) > 0;
    }
    if (!arrived) {
      const pgBus = new PostgresPubSub({ url: env.databaseUrl });
      cleanup.push('close the NOTIFY publisher', () => pgBus.close());
      publisher = postgresPublisher(pgBus, next);
      // The Redis probe was never delivered: it does not count.
      expected.set(users[0]!, 0);
      await publisher.publish(probeUser, 'P');
      count(probeUser);
      for (let i = 0; i < 100 && (await totalReceived(clients)) < 1; i++) await sleep(100);
      if ((await totalReceived(clients)) < 1)
        throw new Error(`${target}: no event arrived over Redis or NOTIFY`);
    }
    log(`events reach it over ${publisher.bus}`);
    const published = () => [...expected.values()].reduce((s, v) => s + v, 0);
    const random = prng(20_261_203 + targetIndex);
    const distinct = (k: number, from: string[]) => {
      const start = Math.floor(random() * from.length);
      return Array.from({ length: Math.min(k, from.length) }, (_, j) => from[(start + j) % from.length]!);
    };
    const drain = async (timeoutMs = 120_000) => {
      const deadline = Date.now() + timeoutMs;
      const want = published();
      let got = await totalReceived(clients);
      while (got < want && Date.now() < deadline) {
        await sleep(20);
        got = await totalReceived(clients);
      }
      return got;
    };

    // 2. Deliveries per second per core: one bus message per user, then fan-out messages.
    const measure = async (mode: 'per user' | 'fan-out'): Promise<Throughput> => {
      const base = await drain();
      const size = mode === 'fan-out' ? Math.max(opts.batch, FANOUT_USERS) : opts.batch;
      const window = size * 4;
      let sent = 0;
      const cpu0 = cpuSeconds(server.child.process.pid!);
      const t0 = performance.now();
      while (sent < opts.deliveries) {
        const got = (await totalReceived(clients)) - base;
        if (sent - got >= window) {
          await sleep(2);
          continue;
        }
        const batch = distinct(Math.min(size, opts.deliveries - sent), users);
        if (mode === 'fan-out') await publisher.fanout(batch, 'T');
        else await publisher.publish(batch, 'T');
        count(batch);
        sent += batch.length;
      }
      const got = (await drain()) - base;
      const seconds = (performance.now() - t0) / 1000;
      const cpu = cpuSeconds(server.child.process.pid!) - cpu0;
      const result = {
        published: sent,
        received: got,
        seconds,
        cpuSeconds: cpu,
        perSecond: got / seconds,
        perCore: got / cpu,
      };
      log(
        `${mode}: ${got} of ${sent} deliveries, ${fixed(result.perSecond, 0)}/s, ${fixed(result.perCore, 0)} per CPU second`,
      );
      return result;
    };
    const throughput = await measure('per user');
    const fanoutThroughput = await measure('fan-out');

    // 3. A celebrity post while other users' events flow.
    const followers = users.slice(0, opts.celebrityFollowers);
    const others = users.slice(opts.celebrityFollowers);
    await Promise.all(clients.map((c) => c.ask({ cmd: 'timing', on: true })));
    const perTick = Math.max(1, Math.round(opts.backgroundRate / 100));
    let phase = 'B';
    let stop = false;
    const background = (async () => {
      while (!stop) {
        const batch = distinct(perTick, others);
        await publisher.publish(batch, phase);
        count(batch);
        await sleep(10);
      }
    })();
    try {
      await sleep(1000);
      const startTotal = await totalReceived(clients);
      phase = 'D';
      // The followers' events, in one go, as the announcer publishes them (fan-out messages).
      await publisher.fanout(followers, 'C');
      count(followers);
      // Until every follower has it (or a bound), the background runs beside it.
      const deadline = Date.now() + 120_000;
      for (;;) {
        const s = await stats(clients, false, false);
        const total = s.reduce((a, r) => a + r.total, 0);
        if (total - startTotal >= followers.length || Date.now() > deadline) break;
        await sleep(5);
      }
      phase = 'A';
      await sleep(500);
    } finally {
      stop = true;
      await background;
    }
    await drain();
    const final = await stats(clients, true, true);
    const lat = (p: string) => latencyOf(final.flatMap((r) => r.latencies[p] ?? []));
    const celebrity = {
      followers: followers.length,
      followersReached: lat('C').count,
      followerLatency: lat('C'),
      during: lat('D'),
      before: lat('B'),
    };
    log(
      `celebrity: ${celebrity.followersReached}/${followers.length} followers, p50 ${fixed(celebrity.followerLatency.p50, 1)} ms, p99 ${fixed(celebrity.followerLatency.p99, 1)} ms; others during it p99 ${fixed(celebrity.during.p99, 1)} ms`,
    );

    // Every socket got exactly what was published to its user.
    const perSocket = final.flatMap((r) => r.perSocket);
    let socketsOff = 0;
    users.forEach((u, i) => {
      if ((perSocket[i] ?? -1) !== (expected.get(u) ?? 0)) socketsOff++;
    });
    const receivedTotal = final.reduce((s, r) => s + r.total, 0);
    const closedEarly = final.reduce((s, r) => s + r.closedEarly, 0);
    await Promise.all(clients.map((c) => c.ask({ cmd: 'close' })));
    return {
      target,
      bus: publisher.bus,
      sockets: opts.sockets,
      opened,
      fdLimit: fdLimit(server.child.process.pid!),
      connectErrors,
      before,
      after,
      rssPerSocket,
      heapPerSocket,
      externalPerSocket,
      throughput,
      fanoutThroughput,
      celebrity,
      socketsOff,
      publishedTotal: published(),
      receivedTotal,
      closedEarly,
      census,
    };
  } finally {
    await cleanup.unwindTo(mark);
  }
}

// ---------------------------------------------------------------- the run

export async function runRealtimeBench(
  opts: RealtimeOptions,
  cleanup = new CleanupStack(),
): Promise<RealtimeReport> {
  const report: RealtimeReport = {
    startedAt: new Date().toISOString(),
    machine: machineInfo(),
    loadAverage: [],
    options: { ...opts, log: undefined, pgAdminUrl: undefined } as RealtimeReport['options'],
    results: [],
  };
  try {
    const dataDir = await makeTempDir(cleanup);
    const databaseUrl = await makePostgresDatabase(opts.pgAdminUrl, cleanup);
    const started = performance.now();
    const seeded = await seedSockets(databaseUrl, opts.sockets);
    opts.log(
      `seeded ${opts.sockets} users with a session each in ${fixed((performance.now() - started) / 1000, 1)} s`,
    );
    const redis = await startRedisServer({ host: '127.0.0.1', port: await freePort(), dir: dataDir });
    cleanup.push('stop redis-server', async () => void (await redis.stop()));
    const env = { databaseUrl, redisUrl: redis.url, dataDir };
    for (const [i, target] of opts.targets.entries())
      report.results.push(await benchTarget(target, i, opts, seeded, env, cleanup));
    report.loadAverage = (await import('node:os')).loadavg();
  } finally {
    await cleanup.unwindTo(0);
  }
  if (opts.outDir) {
    await mkdir(opts.outDir, { recursive: true });
    await writeFile(`${opts.outDir}/realtime-latest.json`, `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(`${opts.outDir}/realtime-latest.md`, `${reportMarkdown(report)}\n`);
  }
  return report;
}

export function reportMarkdown(r: RealtimeReport): string {
  const kib = (b: number) => fixed(b / 1024, 2);
  const ms = (v: number) => fixed(v, 1);
  const raw = r.results.find((x) => x.target === 'raw ws');
  const ratio = (a: number, b: number | undefined) => (b ? fixed(a / b, 2) : '–');
  const memory = formatTable(
    [
      'target',
      'bus',
      'sockets',
      'fd limit',
      'KiB RSS/socket',
      'KiB heap/socket',
      'KiB external/socket',
      'RSS ÷ raw ws',
      'RSS at N, MiB',
    ],
    r.results.map((x) => [
      x.target,
      x.bus,
      `${x.opened}/${x.sockets}`,
      String(x.fdLimit),
      kib(x.rssPerSocket),
      kib(x.heapPerSocket),
      kib(x.externalPerSocket),
      ratio(x.rssPerSocket, raw?.rssPerSocket),
      fixed(x.after.rss / 2 ** 20, 0),
    ]),
    3,
  );
  const modes = [
    ['per user', (x: TargetResult) => x.throughput],
    ['fan-out 500', (x: TargetResult) => x.fanoutThroughput],
  ] as const;
  const deliveries = formatTable(
    [
      'target',
      'bus messages',
      'deliveries',
      'seconds',
      'server CPU s',
      'deliveries/s',
      'per CPU second',
      '÷ raw ws',
    ],
    modes.flatMap(([mode, of]) =>
      r.results.map((x) => [
        x.target,
        mode,
        `${of(x).received}/${of(x).published}`,
        fixed(of(x).seconds, 1),
        fixed(of(x).cpuSeconds, 1),
        fixed(of(x).perSecond, 0),
        fixed(of(x).perCore, 0),
        ratio(of(x).perCore, raw ? of(raw).perCore : undefined),
      ]),
    ),
    2,
  );
  const celebrity = formatTable(
    [
      'target',
      'followers reached',
      'p50 ms',
      'p99 ms',
      'last ms',
      'others before p99 ms',
      'others during: n, p50, p99 ms',
    ],
    r.results.map((x) => [
      x.target,
      `${x.celebrity.followersReached}/${x.celebrity.followers}`,
      ms(x.celebrity.followerLatency.p50),
      ms(x.celebrity.followerLatency.p99),
      ms(x.celebrity.followerLatency.max),
      ms(x.celebrity.before.p99),
      `${x.celebrity.during.count}, ${ms(x.celebrity.during.p50)}, ${ms(x.celebrity.during.p99)}`,
    ]),
    1,
  );
  const ours = r.results.find((x) => x.target === 'graminsta');
  const goals = ours
    ? formatTable(
        ['goal', 'target', 'measured', 'met'],
        [
          [
            'memory per idle socket (resident)',
            '≤ 8 KiB',
            kib(ours.rssPerSocket),
            ours.rssPerSocket <= 8192 ? 'yes' : 'no',
          ],
          [
            'deliveries per second per core (one message per user)',
            '≥ 50000',
            fixed(ours.throughput.perCore, 0),
            ours.throughput.perCore >= 50_000 ? 'yes' : 'no',
          ],
          [
            'deliveries per second per core (fan-out messages of 500)',
            '≥ 50000',
            fixed(ours.fanoutThroughput.perCore, 0),
            ours.fanoutThroughput.perCore >= 50_000 ? 'yes' : 'no',
          ],
        ],
        2,
      )
    : '';
  const checks = r.results
    .map(
      (x) =>
        `${x.target}: ${x.receivedTotal} of ${x.publishedTotal} events received, ${x.socketsOff} sockets off count, ${x.closedEarly} closed by the server`,
    )
    .join('; ');
  const census = r.results
    .filter((x) => x.census)
    .map(
      (x) =>
        `Heap added per socket, ${x.target} (snapshot after − before, self sizes; the snapshots grow the process, so this run's resident figures are not comparable):\n\n` +
        formatTable(
          ['what', 'objects/socket', 'bytes/socket'],
          x.census!.map((c) => [c.what, fixed(c.count, 2), fixed(c.bytes, 0)]),
          1,
        ),
    );
  return [
    `${r.options.sockets} sockets in ${Math.ceil(r.options.sockets / r.options.perClient)} client processes, ${r.options.deliveries} deliveries in batches of ${r.options.batch}, celebrity post to ${r.options.celebrityFollowers} followers with ${r.options.backgroundRate} other events/s; ${r.machine.cpus} CPUs (${r.machine.cpuModel}), load average at the end ${r.loadAverage.map((l) => l.toFixed(1)).join(' ')}.`,
    '',
    memory,
    '',
    deliveries,
    '',
    celebrity,
    '',
    goals,
    '',
    `Checks: ${checks}.`,
    ...census.flatMap((c) => ['', c]),
  ].join('\n');
}

function parseOptions(argv: string[]): RealtimeOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      census: { type: 'boolean', default: false },
      sockets: { type: 'string' },
      deliveries: { type: 'string' },
      followers: { type: 'string' },
      targets: { type: 'string', default: TARGETS.join(',') },
      'pg-admin-url': {
        type: 'string',
        default: process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      },
    },
  });
  const preset = values.quick ? QUICK : FULL;
  const int = (flag: string, text: string | undefined, fallback: number, min: number) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be an integer of at least ${min}`);
    return n;
  };
  const targets = values.targets.split(',').map((t) => t.trim());
  const unknown = targets.filter((t) => !(TARGETS as readonly string[]).includes(t));
  if (unknown.length)
    throw new Error(`unknown target(s) ${unknown.join(', ')}; choose from ${TARGETS.join(', ')}`);
  const sockets = int('sockets', values.sockets, preset.sockets, 2);
  return {
    ...preset,
    sockets,
    deliveries: int('deliveries', values.deliveries, preset.deliveries, 1),
    celebrityFollowers: Math.min(
      sockets - 1,
      int('followers', values.followers, preset.celebrityFollowers, 1),
    ),
    batch: Math.min(preset.batch, sockets),
    targets: targets as Target[],
    census: values.census,
    pgAdminUrl: values['pg-admin-url'],
    outDir: RESULTS,
    log: (line) => console.log(line),
  };
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  const cleanup = new CleanupStack();
  cleanUpOnSignal(cleanup);
  const report = await runRealtimeBench(opts, cleanup);
  console.log(`\n${reportMarkdown(report)}`);
}
