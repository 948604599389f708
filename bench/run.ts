/**
 * `npm run bench` (or `npm run bench -- api …`): seeds each database, starts the real server on
 * it, and measures the API with autocannon against a bare Fastify hello world measured in the
 * same run. `npm run bench -- load …` runs the load driver against a running deployment
 * instead (bench/load-driver.ts); `npm run bench -- stage4 …` drives stage 4 with 1, 2, 3 API
 * instances beside an nginx + hello-world ceiling (bench/stage4.ts); `npm run bench -- startup`
 * times stage 1's cold and warm start (bench/startup.ts); `npm run bench -- variants` measures
 * image bytes per variant, WebP against AVIF at matched SSIM (bench/variants.ts); `npm run bench --
 * edge` serves variants through the stage-5 edge against nginx reading them from disk
 * (bench/edge.ts); `npm run bench -- workers` times the upload pipeline with 1, 2 and 3 worker
 * processes (bench/workers.ts); `npm run bench -- stage6 …` measures the issue-12 reads (profile,
 * photo, home feed) with the cache off, on Redis and on Redis + L1, on stages 4 and 6, beside a
 * hello-world and a raw Fastify + pg ceiling (bench/stage6.ts); `npm run bench -- replicas` runs
 * the mixed workload on stage 5 and on stage 6 with a streaming replica, and says where the reads
 * went and what the primary's CPU paid (bench/replicas.ts); `npm run bench -- realtime` measures
 * the realtime tier against a bare ws server (bench/realtime.ts). See README.md.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { logIn } from '@graminsta/loadgen';
import { freePort, type Child } from '@graminsta/topology';
import { startCeiling, CEILING_PATH } from './ceiling.ts';
import { SEED_PASSWORD, seedDatabase } from './seed.ts';
import { CELEBRITY, describeMedia, parseMediaSpec, type MediaSpec } from './lib/dataset.ts';
import { SCENARIOS, checkOnce, measure, scenarioRequest, type ScenarioName } from './lib/load.ts';
import { machineInfo, markdownTable, writeReport, type DbKind, type Report } from './lib/report.ts';
import { CleanupStack, cleanUpOnSignal, makePostgresDatabase, makeTempDir } from './lib/resources.ts';
import { startServer } from './lib/server.ts';
import { pickFeedUsers, shuffledPhotoIds } from './lib/sessions.ts';

const RESULTS = fileURLToPath(new URL('./results/latest.json', import.meta.url));
const TOKENS = 8;

interface Options {
  users: number;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  dbs: DbKind[];
  scenarios: ScenarioName[];
  media: MediaSpec;
  pgAdminUrl: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      users: { type: 'string', default: '10000' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '10' },
      db: { type: 'string', default: 'both' },
      scenarios: { type: 'string', default: SCENARIOS.join(',') },
      media: { type: 'string', default: '1' },
      'pg-admin-url': {
        type: 'string',
        default: process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      },
    },
  });
  const int = (flag: string, text: string, min: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be an integer of at least ${min}`);
    return n;
  };
  const dbChoices: Record<string, DbKind[]> = {
    both: ['pglite', 'postgres'],
    pglite: ['pglite'],
    postgres: ['postgres'],
  };
  const dbs = dbChoices[values.db];
  if (!dbs) throw new Error('--db must be pglite, postgres or both');
  const scenarios = values.scenarios.split(',').map((s) => s.trim());
  const unknown = scenarios.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length > 0)
    throw new Error(`unknown scenario(s) ${unknown.join(', ')}; choose from ${SCENARIOS.join(', ')}`);
  return {
    users: int('users', values.users, 10),
    durationSeconds: int('duration', values.duration, 1),
    warmupSeconds: int('warmup', values.warmup, 0),
    connections: int('connections', values.connections, 1),
    dbs,
    scenarios: scenarios as ScenarioName[],
    media: parseMediaSpec(values.media),
    pgAdminUrl: values['pg-admin-url'],
  };
}

/** Seeds one database, starts the server on it, measures the ceiling and then every scenario. */
async function benchDatabase(
  kind: DbKind,
  opts: Options,
  ceiling: Child,
  cleanup: CleanupStack,
  report: Report,
) {
  const mark = cleanup.size;
  try {
    const dataDir = await makeTempDir(cleanup);
    const databaseUrl =
      kind === 'postgres' ? await makePostgresDatabase(opts.pgAdminUrl, cleanup) : undefined;
    console.log(`\n== ${kind}: seeding ${opts.users} users`);
    const seeded = await seedDatabase({
      users: opts.users,
      dataDir,
      databaseUrl,
      media: opts.media,
      log: (l) => console.log(`   ${l}`),
    });
    report.seedSeconds[kind] = Number(seeded.seconds.toFixed(1));

    const port = await freePort();
    const started = performance.now();
    const server = await startServer({ port, dataDir, databaseUrl });
    cleanup.push('stop the server', async () => void (await server.stop()));
    console.log(`   server ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const serverUrl = `http://127.0.0.1:${port}`;
    const tokens = await logIn(serverUrl, pickFeedUsers(seeded.dataset, TOKENS), SEED_PASSWORD);
    const context = { celebrity: CELEBRITY, tokens, photoIds: shuffledPhotoIds(seeded.dataset, 7) };

    const load = { connections: opts.connections, durationSeconds: opts.durationSeconds };
    const run = async (scenario: string, url: string, request: Parameters<typeof measure>[1]) => {
      await checkOnce(url, request);
      if (opts.warmupSeconds > 0)
        await measure(url, request, { ...load, durationSeconds: opts.warmupSeconds });
      const m = await measure(url, request, load);
      console.log(
        `   ${scenario}: ${m.reqPerSec.toFixed(0)} req/s, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms`,
      );
      return m;
    };
    const base = await run('ceiling', ceiling.announced, { method: 'GET', path: CEILING_PATH });
    report.rows.push({ scenario: 'ceiling', db: kind, ...base, ratio: 1 });
    for (const scenario of opts.scenarios) {
      const m = await run(scenario, serverUrl, scenarioRequest(scenario, context));
      report.rows.push({ scenario, db: kind, ...m, ratio: m.reqPerSec / base.reqPerSec });
    }
  } finally {
    await cleanup.unwindTo(mark);
  }
}

async function main(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  const cleanup = new CleanupStack();
  cleanUpOnSignal(cleanup);

  const report: Report = {
    startedAt: new Date().toISOString(),
    machine: machineInfo(),
    options: { ...opts, pgAdminUrl: undefined },
    seedSeconds: {},
    rows: [],
  };
  console.log(
    `Graminsta benchmark: ${opts.users} users, ${opts.durationSeconds} s per scenario, ` +
      `${opts.connections} connections, ${describeMedia(opts.media)}, ${report.machine.cpus} CPUs (${report.machine.cpuModel})`,
  );
  try {
    const ceilingPort = await freePort();
    const ceiling = await startCeiling(ceilingPort);
    cleanup.push('stop the ceiling server', async () => void (await ceiling.stop()));
    for (const kind of opts.dbs) await benchDatabase(kind, opts, ceiling, cleanup, report);
  } finally {
    await cleanup.unwindTo(0);
  }
  await writeReport(RESULTS, report);
  console.log(`\n${markdownTable(report.rows)}\n`);
  console.log(`ratio = req/s over the bare Fastify hello world measured just before, on the same machine.`);
  console.log(`JSON: ${RESULTS}`);
}

const [command, ...rest] = process.argv.slice(2);
/** The named benchmarks, each a module with `main(argv)`; no name (or `api`) is this file's own. */
const COMMANDS: Record<string, () => Promise<{ main(argv: string[]): Promise<void> }>> = {
  load: () => import('./load-driver.ts'),
  stage4: () => import('./stage4.ts'),
  startup: () => import('./startup.ts'),
  variants: () => import('./variants.ts'),
  edge: () => import('./edge.ts'),
  workers: () => import('./workers.ts'),
  stage6: () => import('./stage6.ts'),
  realtime: () => import('./realtime.ts'),
  replicas: () => import('./replicas.ts'),
};
const named = command === undefined ? undefined : COMMANDS[command];
const run = named
  ? named().then((bench) => bench.main(rest))
  : main(command === 'api' ? rest : process.argv.slice(2));
run.then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
