/**
 * `npm run bench -- stage6 [--quick] [--topologies 4,6] [--users 10000] [--duration 10]`: the
 * issue-12 table. Seeds one PostgreSQL database (the celebrity followed by half the users, plus
 * celebrity followers who follow about 200 others), measures two ceilings on it (a bare Fastify
 * hello world, and bare Fastify + pg running one prepared query for the same profile), then for
 * each topology (stage 4, stage 6) and each cache configuration (off, Redis, Redis + L1) starts
 * `graminsta up` on that database and measures four reads through its API balancer: the
 * celebrity's profile anonymous and signed in, the celebrity's photo signed in, and the home feed
 * of a heavy follower. Writes bench/results/stage6-latest.json and .md. See README.md.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { logIn } from '@graminsta/loadgen';
import { startStage, type StageProcess } from '@graminsta/server/testing/stage-process';
import { scrape, sumByAcross } from '@graminsta/server/testing/metrics-text';
import { freePort, startRedisServer } from '@graminsta/topology';
import { CEILING_PATH, startCeiling } from './ceiling.ts';
import { RAW_FEED_PATH, RAW_PROFILE_PATH, startPgCeiling } from './ceiling-pg.ts';
import { SEED_PASSWORD, seedDatabase } from './seed.ts';
import { CELEBRITY, type Dataset } from './lib/dataset.ts';
import { startCeilingBalancer } from './lib/ceiling-balancer.ts';
import { addHeavyFollows } from './lib/heavy-followers.ts';
import { checkOnce, measure, type Measurement } from './lib/load.ts';
import { machineInfo, writeJson } from './lib/report.ts';
import { CleanupStack, cleanUpOnSignal, makePostgresDatabase, makeTempDir } from './lib/resources.ts';
import { pickFeedUsers } from './lib/sessions.ts';
import {
  CACHE_CONFIGS,
  STAGE6_SCENARIOS,
  ceilingTable,
  goalTable,
  goals,
  stage6Table,
  type CacheConfig,
  type CeilingRow,
  type Goal,
  type Stage6Row,
  type Stage6Scenario,
} from './lib/stage6-table.ts';
import { writeFile } from 'node:fs/promises';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

export interface Stage6Options {
  users: number;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  topologies: number[];
  configs: CacheConfig[];
  /** API instances behind the balancer. */
  api: number;
  /** Celebrity followers who follow about 200 others: their tokens rotate in the home-feed scenario. */
  feedUsers: number;
  /** How many others each of them follows. */
  feedFollows: number;
  pgAdminUrl: string;
  /** Where the JSON and markdown reports go. */
  outDir: string;
  log: (line: string) => void;
}

export interface Stage6Report {
  startedAt: string;
  machine: ReturnType<typeof machineInfo>;
  options: Omit<Stage6Options, 'log' | 'pgAdminUrl'>;
  seedSeconds: number;
  ttlSeconds: number;
  ceilings: CeilingRow[];
  rows: Stage6Row[];
  goals: Goal[];
}

/** A quick run: a small site, a few seconds per read, stage 6 alone (under three minutes). */
export const QUICK: Partial<Stage6Options> = {
  users: 400,
  durationSeconds: 2,
  warmupSeconds: 1,
  connections: 8,
  topologies: [6],
  api: 1,
  feedUsers: 2,
  feedFollows: 200,
};

const ENV: Record<CacheConfig, Record<string, string>> = {
  'cache off': { CACHE: 'off', TIMELINES: 'off' },
  redis: { CACHE: 'redis', CACHE_L1: 'off', TIMELINES: 'on' },
  'redis + L1': { CACHE: 'redis', CACHE_L1: 'on', TIMELINES: 'on' },
};

const round = (n: number, digits = 2) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : Number.NaN);
const failedOf = (m: Measurement) => m.non2xx + m.errors;
/** The keys an anonymous profile read goes through: the name's id, then the account. */
const PROFILE_KEYS = 2;

interface Site {
  databaseUrl: string;
  dataset: Dataset;
  /** The celebrity's newest photo (or the most liked one, on a site too small for the celebrity to post). */
  hotPhotoId: string;
  /** Celebrity followers who follow a few others (profile and photo) and about 200 (home feed). */
  readers: string[];
  heavy: string[];
}

async function seedSite(opts: Stage6Options, cleanup: CleanupStack): Promise<Site & { seconds: number }> {
  const dataDir = await makeTempDir(cleanup);
  const databaseUrl = await makePostgresDatabase(opts.pgAdminUrl, cleanup);
  opts.log(`== seeding ${opts.users} users`);
  const seeded = await seedDatabase({
    users: opts.users,
    dataDir,
    databaseUrl,
    log: (l) => opts.log(`   ${l}`),
  });
  const { dataset } = seeded;
  const celebrityId = dataset.users[0]!.id;
  const own = dataset.photos.filter((p) => p.ownerId === celebrityId);
  const pool = own.length > 0 ? own : dataset.photos;
  const hot = [...pool].sort((a, b) =>
    own.length > 0 ? b.createdAt.getTime() - a.createdAt.getTime() : b.likeCount - a.likeCount,
  )[0];
  if (!hot) throw new Error('the seeded site has no photo');
  const readers = pickFeedUsers(dataset, 8);
  const heavy = readers.slice(0, opts.feedUsers);
  if (readers.length < 2 || heavy.length < opts.feedUsers)
    throw new Error('too few celebrity followers; seed more users');
  const following = await addHeavyFollows(databaseUrl, heavy, opts.feedFollows);
  opts.log(
    `   home-feed readers ${heavy.join(', ')} follow ${following.join(', ')} accounts (the celebrity among them)`,
  );
  return { databaseUrl, dataset, hotPhotoId: hot.id, readers, heavy, seconds: seeded.seconds };
}

async function ceilings(
  topology: number,
  site: Site,
  opts: Stage6Options,
  cleanup: CleanupStack,
): Promise<CeilingRow[]> {
  const mark = cleanup.size;
  try {
    const hello = await startCeiling(await freePort());
    cleanup.push('stop the hello ceiling', async () => void (await hello.stop()));
    const raw = await startPgCeiling(await freePort(), site.databaseUrl);
    cleanup.push('stop the pg ceiling', async () => void (await raw.stop()));
    const balanced = await startCeilingBalancer(opts.api);
    cleanup.push('stop the hello worlds behind nginx', () => balanced.stop());
    const rows: CeilingRow[] = [];
    const load = { connections: opts.connections, durationSeconds: opts.durationSeconds };
    for (const [kind, url, path] of [
      ['hello', hello.announced, CEILING_PATH],
      ['hello behind nginx', balanced.url, CEILING_PATH],
      ['raw pg', raw.announced, RAW_PROFILE_PATH(CELEBRITY)],
      ['raw pg feed', raw.announced, RAW_FEED_PATH(site.heavy[0]!)],
    ] as const) {
      const request = { method: 'GET' as const, path };
      await checkOnce(url, request);
      if (opts.warmupSeconds > 0)
        await measure(url, request, { ...load, durationSeconds: opts.warmupSeconds });
      const m = await measure(url, request, load);
      rows.push({
        topology,
        kind,
        rps: round(m.reqPerSec, 1),
        p50: round(m.p50, 3),
        p99: round(m.p99, 3),
        requests: m.requests,
        failed: failedOf(m),
      });
      opts.log(`   ceiling ${kind}: ${m.reqPerSec.toFixed(0)} req/s, p99 ${m.p99.toFixed(2)} ms`);
    }
    return rows;
  } finally {
    await cleanup.unwindTo(mark);
  }
}

async function startTopology(
  topology: number,
  config: CacheConfig,
  site: Site,
  opts: Stage6Options,
  cleanup: CleanupStack,
): Promise<StageProcess> {
  const env = { ...ENV[config] };
  // Stage 4 has no Redis of its own: the benchmark lends it a fresh one (stage 6 starts its own).
  if (topology !== 6 && config !== 'cache off') {
    const dir = await makeTempDir(cleanup);
    const redis = await startRedisServer({ host: '127.0.0.1', port: await freePort(), dir });
    cleanup.push('stop the lent redis-server', async () => void (await redis.stop()));
    env.REDIS_URL = redis.url;
  }
  const stage = await startStage(topology, ['--api', String(opts.api), '--web', '1', '--workers', '1'], env, {
    databaseUrl: site.databaseUrl,
  });
  cleanup.push(`stop stage ${topology}`, async () => void (await stage.stop()));
  return stage;
}

async function configRows(
  topology: number,
  config: CacheConfig,
  site: Site,
  ceiling: { hello: number; balancedHello: number; rawPg: number; rawPgFeed: number },
  ttlSeconds: number,
  opts: Stage6Options,
  cleanup: CleanupStack,
): Promise<Stage6Row[]> {
  const mark = cleanup.size;
  try {
    const started = performance.now();
    const stage = await startTopology(topology, config, site, opts, cleanup);
    const shape = await stage.topology();
    const url = shape.urls.api;
    const apiPorts = shape.processes.filter((p) => p.name.startsWith('api-')).map((p) => p.port!);
    opts.log(
      `   stage ${topology}, ${config}: ready in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const readers = await logIn(url, site.readers, SEED_PASSWORD);
    const heavy = await logIn(url, site.heavy, SEED_PASSWORD);
    type Request = Parameters<typeof measure>[1];
    const rotating = (path: string, tokens: string[]): Request => {
      let i = 0;
      return {
        method: 'GET',
        path,
        setupRequest: (req: Request) => ({
          ...req,
          headers: { authorization: `Bearer ${tokens[i++ % tokens.length]!}` },
        }),
      };
    };
    const requests: Record<Stage6Scenario, Request> = {
      'profile anonymous': { method: 'GET', path: `/api/v1/users/${CELEBRITY}` },
      'profile signed in': rotating(`/api/v1/users/${CELEBRITY}`, readers),
      'photo signed in': rotating(`/api/v1/photos/${site.hotPhotoId}`, readers),
      'home feed': rotating('/api/v1/feed', heavy),
    };
    const queries = async () => {
      const by = sumByAcross(await scrape(apiPorts), 'graminsta_db_queries_total', 'statement');
      return [...by.values()].reduce((a, b) => a + b, 0);
    };
    const cacheReads = async () =>
      sumByAcross(await scrape(apiPorts), 'graminsta_cache_reads_total', 'outcome');
    const load = { connections: opts.connections, durationSeconds: opts.durationSeconds };
    const rows: Stage6Row[] = [];
    for (const scenario of STAGE6_SCENARIOS) {
      const request = requests[scenario];
      const first = await queries();
      const firstAt = performance.now();
      await checkOnce(url, request);
      if (opts.warmupSeconds > 0)
        await measure(url, request, { ...load, durationSeconds: opts.warmupSeconds });
      const [before, cacheBefore] = [await queries(), await cacheReads()];
      const loadAverage = loadavg()[0]!;
      const m = await measure(url, request, load);
      const [after, cacheAfter] = [await queries(), await cacheReads()];
      const span = (performance.now() - firstAt) / 1000;
      const cache: Record<string, number> = {};
      for (const [k, v] of cacheAfter)
        if (v - (cacheBefore.get(k) ?? 0) > 0) cache[k] = v - (cacheBefore.get(k) ?? 0);
      const row: Stage6Row = {
        topology,
        config,
        scenario,
        rps: round(m.reqPerSec, 1),
        p50: round(m.p50),
        p99: round(m.p99),
        failed: failedOf(m),
        ofHello: round(m.reqPerSec / ceiling.hello, 3),
        ofBalancedHello: round(m.reqPerSec / ceiling.balancedHello, 3),
        ofRawPg: round(m.reqPerSec / (scenario === 'home feed' ? ceiling.rawPgFeed : ceiling.rawPg), 3),
        primaryQps: round((after - before) / opts.durationSeconds, 1),
        // One key and no session: every query of the scenario is for it. A span shorter than the
        // TTL counts as one TTL.
        queriesPerTtl:
          scenario === 'profile anonymous'
            ? round((after - first) / PROFILE_KEYS / Math.max(1, span / ttlSeconds), 2)
            : null,
        cache,
      };
      rows.push(row);
      opts.log(
        `     ${scenario}: ${row.rps.toFixed(0)} req/s, p99 ${row.p99} ms, ${row.failed} failed, ` +
          `${row.primaryQps} queries/s, cache ${JSON.stringify(cache)}, load average ${loadAverage.toFixed(1)}`,
      );
    }
    return rows;
  } finally {
    await cleanup.unwindTo(mark);
  }
}

/** The whole run: seed, then per topology the ceilings and every configuration. */
export async function runStage6Bench(
  opts: Stage6Options,
  cleanup = new CleanupStack(),
): Promise<Stage6Report> {
  const machine = machineInfo();
  const ttlSeconds = Number(process.env.CACHE_TTL_SECONDS ?? 30);
  const startedAt = new Date().toISOString();
  opts.log(
    `Stage-6 benchmark: topologies ${opts.topologies.join(', ')}, configurations ${opts.configs.join(', ')}, ` +
      `${opts.users} users, ${opts.durationSeconds} s per read, ${opts.connections} connections, ` +
      `${opts.api} API instance(s), ${machine.cpus} CPUs (${machine.cpuModel})`,
  );
  const ceilingRows: CeilingRow[] = [];
  const rows: Stage6Row[] = [];
  let seedSeconds: number;
  try {
    const site = await seedSite(opts, cleanup);
    seedSeconds = round(site.seconds, 1);
    for (const topology of opts.topologies) {
      opts.log(`\n== stage ${topology}`);
      const measured = await ceilings(topology, site, opts, cleanup);
      ceilingRows.push(...measured);
      const ceiling = {
        hello: measured.find((c) => c.kind === 'hello')!.rps,
        balancedHello: measured.find((c) => c.kind === 'hello behind nginx')!.rps,
        rawPg: measured.find((c) => c.kind === 'raw pg')!.rps,
        rawPgFeed: measured.find((c) => c.kind === 'raw pg feed')!.rps,
      };
      for (const config of opts.configs)
        rows.push(...(await configRows(topology, config, site, ceiling, ttlSeconds, opts, cleanup)));
    }
  } finally {
    await cleanup.unwindTo(0);
  }
  const { log: _log, pgAdminUrl: _url, ...options } = opts;
  return {
    startedAt,
    machine,
    options,
    seedSeconds,
    ttlSeconds,
    ceilings: ceilingRows,
    rows,
    goals: goals(rows),
  };
}

export function reportMarkdown(report: Stage6Report): string {
  return [
    `# Stage-6 benchmark (${report.startedAt})`,
    '',
    `${report.options.users} users, ${report.options.durationSeconds} s per read after ${report.options.warmupSeconds} s of warm-up, ` +
      `${report.options.connections} connections, ${report.options.api} API instance(s) behind the balancer, ` +
      `${report.machine.cpus} CPUs (${report.machine.cpuModel}), TTL ${report.ttlSeconds} s.`,
    '',
    ceilingTable(report.ceilings),
    '',
    stage6Table(report.rows),
    '',
    goalTable(report.goals),
    '',
    '÷ hello, ÷ hello (nginx) and ÷ raw pg: req/s over the ceilings measured at the start of the same ' +
      'topology block (hello (nginx): as many hello worlds as API instances, behind nginx with the ' +
      "stage's balancer config; raw pg: the profile query for the profile and photo reads, the feed " +
      'query (raw pg feed) for the home feed). ' +
      'primary q/s: queries the API processes ran per second of measured load (their /metrics, every ' +
      'statement). q/TTL/key: queries per TTL per hot key (the anonymous profile reads two: the ' +
      "name's id and the account), from cold keys through the check, " +
      'warm-up and measurement (a span shorter than the TTL counts as one). cache hits: L1, store and ' +
      'coalesced reads over all cache reads during the measurement.',
    '',
  ].join('\n');
}

function parseOptions(argv: string[]): Stage6Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      users: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      topologies: { type: 'string' },
      configs: { type: 'string' },
      api: { type: 'string' },
      'feed-users': { type: 'string' },
      'pg-admin-url': {
        type: 'string',
        default: process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      },
      out: { type: 'string', default: RESULTS },
    },
  });
  const base = values.quick ? QUICK : {};
  const int = (flag: string, text: string | undefined, fallback: number, min: number) => {
    const n = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be an integer of at least ${min}`);
    return n;
  };
  const topologies = values.topologies
    ? values.topologies.split(',').map((s) => int('topologies', s.trim(), 0, 4))
    : (base.topologies ?? [4, 6]);
  if (topologies.some((t) => t !== 4 && t !== 6)) throw new Error('--topologies takes 4 and/or 6');
  const configs = values.configs
    ? (values.configs
        .split(',')
        .map((s) => s.trim().replace(/\+l1$/i, ' + L1').replace(/^off$/, 'cache off')) as CacheConfig[])
    : [...CACHE_CONFIGS];
  const unknown = configs.filter((c) => !CACHE_CONFIGS.includes(c));
  if (unknown.length > 0) throw new Error(`--configs takes off, redis, redis+l1 (not ${unknown.join(', ')})`);
  return {
    users: int('users', values.users, base.users ?? 10_000, 220),
    durationSeconds: int('duration', values.duration, base.durationSeconds ?? 10, 1),
    warmupSeconds: int('warmup', values.warmup, base.warmupSeconds ?? 2, 0),
    connections: int('connections', values.connections, base.connections ?? 16, 1),
    topologies,
    configs,
    api: int('api', values.api, base.api ?? 2, 1),
    feedUsers: int('feed-users', values['feed-users'], base.feedUsers ?? 8, 1),
    feedFollows: 200,
    pgAdminUrl: values['pg-admin-url'],
    outDir: values.out,
    log: (line) => console.log(line),
  };
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  const cleanup = new CleanupStack();
  cleanUpOnSignal(cleanup);
  const report = await runStage6Bench(opts, cleanup);
  const name = opts.topologies.join('-');
  await writeJson(join(opts.outDir, `stage6-${name}-latest.json`), report);
  const md = reportMarkdown(report);
  await writeFile(join(opts.outDir, `stage6-${name}-latest.md`), md);
  console.log(`\n${md}`);
  console.log(`JSON and markdown: ${join(opts.outDir, `stage6-${name}-latest.{json,md}`)}`);
}
