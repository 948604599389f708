/**
 * Queries per feed page: seeds a database with a checkout's own seed, builds that checkout's
 * server in this process (compose + the api role's routes, as `graminsta start` does), and counts
 * the SQL statements each page of the home feed runs, two ways:
 *   - `GET /api/v1/feed` through the routes (app.inject, bearer token): what one request costs;
 *   - `services.feed.home` alone: the feed's own queries, without authentication.
 * With `--cpu-pages N` it then serves N first pages in a row (rotating the viewers) and reports the
 * CPU time they cost: this process (routes, services, and PGlite, which runs inside it) and the
 * PostgreSQL backends of the seeded database, read from /proc. CPU time per page is far less
 * sensitive than req/s to what else the machine runs, which on a shared 2-core machine is a lot.
 * The count is the server's own `graminsta_db_queries_total` (the database adapter's onQuery
 * hook), read before and after each page, so it counts the same thing on any checkout that has
 * the hook. `--root` points at another checkout (a worktree of an older commit, after its
 * `npm ci`): every module but this file's helpers is loaded from there, so before and after run
 * the same measurement on their own code and their own schema.
 *
 *   npx tsx bench/feed-queries.ts --users 2000 --db both
 *   npx tsx bench/feed-queries.ts --root ../wt-before --users 2000 --db both
 *   npx tsx bench/feed-queries.ts --media mix --pages 3
 *   npx tsx bench/feed-queries.ts --db postgres --explain   (the feed query's plan and its time in the database)
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import type { Counter } from 'prom-client';
import { cpuSecondsBetween, cpuSnapshot } from './lib/cpu.ts';
import type { Dataset, MediaSpec } from './lib/dataset.ts';
import { fixed, formatTable, writeJson } from './lib/report.ts';
import { CleanupStack, cleanUpOnSignal, makePostgresDatabase, makeTempDir } from './lib/resources.ts';
import { pickFeedUsers } from './lib/sessions.ts';

const PASSWORD = 'bench-password';

interface Options {
  root: string;
  users: number;
  media: string;
  dbs: Array<'pglite' | 'postgres'>;
  viewers: number;
  pages: number;
  limit: number;
  pgAdminUrl: string;
  json?: string;
  explain: boolean;
  cpuPages: number;
}

/** The few entry points used from the measured checkout, typed loosely: they differ across commits. */
interface Checkout {
  seedDatabase(opts: {
    users: number;
    dataDir: string;
    databaseUrl?: string;
    media?: MediaSpec;
    log?: (line: string) => void;
  }): Promise<{ dataset: Dataset }>;
  parseMediaSpec?: (text: string) => MediaSpec;
  loadConfig(env: Record<string, string | undefined>): { roles: string[] } & Record<string, unknown>;
  createRuntime(config: unknown, opts: Record<string, unknown>): { metrics: { dbQueries: Counter } };
  compose(runtime: unknown): Promise<Composition>;
  buildHttp(runtime: unknown, roles: unknown[], comp: Composition): Promise<FastifyInstance>;
  rolesToRun(names: string[]): unknown[];
  FeedRepository: new (db: unknown) => {
    homeQuery(
      userId: string,
      before: string | undefined,
      limit: number,
    ): { toSQL(): { sql: string; params: unknown[] } };
  };
}

interface Composition {
  services: {
    feed: {
      home(
        userId: string,
        page: { limit: number; cursor?: string },
      ): Promise<{ items: unknown[]; nextCursor: string | null }>;
    };
  };
  database: {
    pool?: { query(text: string, params: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }> };
    pglite?: { query(text: string, params: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }> };
    db: unknown;
  };
  close(): Promise<void>;
}

async function loadCheckout(root: string): Promise<Checkout> {
  const load = (path: string) =>
    import(pathToFileURL(join(root, path)).href) as Promise<Record<string, unknown>>;
  const [seed, dataset, platform, runtime, compose, http, registry, feed] = await Promise.all([
    load('bench/seed.ts'),
    load('bench/lib/dataset.ts'),
    load('packages/platform/src/index.ts'),
    load('apps/server/src/runtime.ts'),
    load('apps/server/src/compose.ts'),
    load('apps/server/src/roles/http.ts'),
    load('apps/server/src/roles/registry.ts'),
    load('packages/core/src/feed/feed.repository.ts'),
  ]);
  return {
    seedDatabase: seed.seedDatabase as Checkout['seedDatabase'],
    parseMediaSpec: dataset.parseMediaSpec as Checkout['parseMediaSpec'],
    loadConfig: platform.loadConfig as Checkout['loadConfig'],
    createRuntime: runtime.createRuntime as Checkout['createRuntime'],
    compose: compose.compose as Checkout['compose'],
    buildHttp: http.buildHttp as Checkout['buildHttp'],
    rolesToRun: registry.rolesToRun as Checkout['rolesToRun'],
    FeedRepository: feed.FeedRepository as Checkout['FeedRepository'],
  };
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      root: { type: 'string', default: '.' },
      users: { type: 'string', default: '2000' },
      media: { type: 'string', default: '1' },
      db: { type: 'string', default: 'both' },
      viewers: { type: 'string', default: '8' },
      pages: { type: 'string', default: '3' },
      limit: { type: 'string', default: '20' },
      json: { type: 'string' },
      explain: { type: 'boolean', default: false },
      'cpu-pages': { type: 'string', default: '0' },
      'pg-admin-url': {
        type: 'string',
        default: process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      },
    },
  });
  const int = (flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`--${flag} must be an integer from ${min} to ${max}`);
    return n;
  };
  const dbs = { both: ['pglite', 'postgres'], pglite: ['pglite'], postgres: ['postgres'] }[values.db];
  if (!dbs) throw new Error('--db must be pglite, postgres or both');
  const root = resolve(values.root);
  if (!existsSync(join(root, 'bench/seed.ts')) || !existsSync(join(root, 'node_modules')))
    throw new Error(`--root ${root} is not a Graminsta checkout with its node_modules installed`);
  return {
    root,
    users: int('users', values.users, 10),
    media: values.media,
    dbs: dbs as Options['dbs'],
    viewers: int('viewers', values.viewers, 1),
    pages: int('pages', values.pages, 1),
    limit: int('limit', values.limit, 1, 50),
    pgAdminUrl: values['pg-admin-url'],
    json: values.json,
    explain: values.explain,
    cpuPages: int('cpu-pages', values['cpu-pages'], 0),
  };
}

interface CpuCost {
  pages: number;
  /** CPU ms per page of this process: routes, services, and PGlite when it is the database. */
  serverMs: number;
  /** CPU ms per page of the seeded database's PostgreSQL backends (0 on PGlite). */
  postgresMs: number;
}

interface DatabaseResult {
  counts: PageCount[];
  cpu: CpuCost | null;
}

interface PageCount {
  viewer: string;
  page: number;
  items: number;
  http: number;
  service: number;
}

async function totalQueries(counter: Counter): Promise<number> {
  const metric = await counter.get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}

/** One database: seed, compose, log the viewers in, then count each page both ways. */
async function countDatabase(
  kind: 'pglite' | 'postgres',
  checkout: Checkout,
  opts: Options,
  media: MediaSpec | undefined,
): Promise<DatabaseResult> {
  const cleanup = new CleanupStack();
  cleanUpOnSignal(cleanup);
  try {
    const dataDir = await makeTempDir(cleanup);
    const databaseUrl =
      kind === 'postgres' ? await makePostgresDatabase(opts.pgAdminUrl, cleanup) : undefined;
    console.log(`== ${kind}: seeding ${opts.users} users with ${opts.root}/bench/seed.ts`);
    const { dataset } = await checkout.seedDatabase({
      users: opts.users,
      dataDir,
      databaseUrl,
      media,
      log: (line) => console.log(`   ${line}`),
    });

    const config = checkout.loadConfig({
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'silent',
      SECRET: 'feed-queries-0123456789',
      RATE_LIMITS: '1000',
      ROLES: 'api',
    });
    const runtime = checkout.createRuntime(config, { instanceId: 'feed-queries', defaultMetrics: false });
    const comp = await checkout.compose(runtime);
    cleanup.push('close the composition', () => comp.close());
    const app = await checkout.buildHttp(runtime, checkout.rolesToRun(['api']), comp);
    cleanup.push('close the app', () => app.close());
    await app.ready();

    const counter = runtime.metrics.dbQueries;
    const counts: PageCount[] = [];
    const usernames = pickFeedUsers(dataset, opts.viewers);
    const tokens: string[] = [];
    for (const username of usernames) {
      const userId = dataset.users.find((u) => u.username === username)!.id;
      const login = await app.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { username, password: PASSWORD },
      });
      if (login.statusCode !== 200 && login.statusCode !== 201)
        throw new Error(`log-in of ${username} answered ${login.statusCode}: ${login.body}`);
      const { token } = login.json<{ token: string }>();
      tokens.push(token);
      let cursor: string | undefined;
      for (let page = 1; page <= opts.pages; page++) {
        const query = new URLSearchParams({ limit: String(opts.limit), ...(cursor ? { cursor } : {}) });
        const before = await totalQueries(counter);
        const res = await app.inject({
          method: 'GET',
          url: `/api/v1/feed?${query}`,
          headers: { authorization: `Bearer ${token}` },
        });
        const http = (await totalQueries(counter)) - before;
        if (res.statusCode !== 200)
          throw new Error(`GET /api/v1/feed answered ${res.statusCode}: ${res.body}`);
        const body = res.json<{ items: unknown[]; nextCursor: string | null }>();

        const mark = await totalQueries(counter);
        const direct = await comp.services.feed.home(userId, { limit: opts.limit, cursor });
        const service = (await totalQueries(counter)) - mark;
        if (direct.items.length !== body.items.length)
          throw new Error(
            `the service gave ${direct.items.length} posts where the route gave ${body.items.length}`,
          );

        counts.push({ viewer: username, page, items: body.items.length, http, service });
        if (!body.nextCursor) break;
        cursor = body.nextCursor;
      }
    }
    const cpu = opts.cpuPages > 0 ? await cpuPerPage(app, tokens, opts, databaseUrl) : null;
    if (opts.explain) await explainHome(checkout, comp, dataset, usernames[0]!, opts.limit);
    return { counts, cpu };
  } finally {
    await cleanup.unwindTo(0);
  }
}

/** CPU time of `opts.cpuPages` first pages served one after another, after as many unmeasured. */
async function cpuPerPage(
  app: FastifyInstance,
  tokens: string[],
  opts: Options,
  databaseUrl: string | undefined,
): Promise<CpuCost> {
  const serve = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/feed?limit=${opts.limit}`,
        headers: { authorization: `Bearer ${tokens[i % tokens.length]!}` },
      });
      if (res.statusCode !== 200) throw new Error(`GET /api/v1/feed answered ${res.statusCode}: ${res.body}`);
    }
  };
  await serve(opts.cpuPages);
  const database = databaseUrl ? new URL(databaseUrl).pathname.slice(1) : null;
  const classifier = {
    roots: new Map<number, string>(),
    ...(database ? { postgres: { database, label: 'postgres' } } : {}),
  };
  const own = process.cpuUsage();
  const before = cpuSnapshot();
  await serve(opts.cpuPages);
  const after = cpuSnapshot();
  const used = process.cpuUsage(own);
  const postgres = database ? (cpuSecondsBetween(before, after, classifier).postgres ?? 0) : 0;
  return {
    pages: opts.cpuPages,
    serverMs: (used.user + used.system) / 1000 / opts.cpuPages,
    postgresMs: (postgres * 1000) / opts.cpuPages,
  };
}

/**
 * The home-feed query of one viewer's first page (limit + 1 rows, as the service asks): its plan
 * once with EXPLAIN (ANALYZE, BUFFERS), then the database's own execution time over 30 runs.
 */
async function explainHome(
  checkout: Checkout,
  comp: Composition,
  dataset: Dataset,
  username: string,
  limit: number,
): Promise<void> {
  const driver = comp.database.pool ?? comp.database.pglite;
  if (!driver) throw new Error('no raw driver to run EXPLAIN on');
  const userId = dataset.users.find((u) => u.username === username)!.id;
  const query = new checkout.FeedRepository(comp.database.db).homeQuery(userId, undefined, limit + 1).toSQL();
  const plan = async (options: string) => {
    const { rows } = await driver.query(`explain (${options}) ${query.sql}`, query.params);
    return rows.map((r) => String(Object.values(r)[0]));
  };
  console.log(
    `\nEXPLAIN (ANALYZE, BUFFERS) of ${username}'s first page:\n${(await plan('analyze, buffers')).join('\n')}`,
  );
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const lines = await plan('analyze, timing off');
    const line = lines.find((l) => l.startsWith('Execution Time'));
    if (line) times.push(Number(/([\d.]+) ms/.exec(line)?.[1]));
  }
  console.log(`execution time over ${times.length} runs: median ${fixed(median(times), 3)} ms`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? NaN
    : s.length % 2
      ? s[(s.length - 1) / 2]!
      : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function main(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  const checkout = await loadCheckout(opts.root);
  let media: MediaSpec | undefined;
  if (checkout.parseMediaSpec) media = checkout.parseMediaSpec(opts.media);
  else if (opts.media !== '1')
    throw new Error(`${opts.root} seeds posts of one photo only (its seed has no --media)`);

  const rows: string[][] = [];
  const results: Record<string, DatabaseResult> = {};
  for (const kind of opts.dbs) {
    const result = await countDatabase(kind, checkout, opts, media);
    results[kind] = result;
    const { counts, cpu } = result;
    const full = counts.filter((c) => c.items === opts.limit);
    const pick = full.length > 0 ? full : counts;
    const http = pick.map((c) => c.http);
    const service = pick.map((c) => c.service);
    rows.push([
      kind,
      String(pick.length),
      fixed(median(pick.map((c) => c.items)), 0),
      fixed(median(http), 1),
      `${Math.min(...http)}–${Math.max(...http)}`,
      fixed(median(service), 1),
      `${Math.min(...service)}–${Math.max(...service)}`,
      cpu ? fixed(cpu.serverMs, 2) : '–',
      cpu ? fixed(cpu.postgresMs, 2) : '–',
      cpu ? fixed(cpu.serverMs + cpu.postgresMs, 2) : '–',
    ]);
  }
  const header = [
    'db',
    'pages',
    'posts/page',
    'GET /feed queries',
    'range',
    'feed.home queries',
    'range',
    'CPU ms/page server',
    'postgres',
    'total',
  ];
  console.log(`\nQueries per home-feed page (${opts.root}, media ${opts.media}, limit ${opts.limit}):\n`);
  console.log(formatTable(header, rows, 1));
  console.log('\nMedians over full pages of every viewer; "range" is the fewest and the most on one page.');
  if (opts.cpuPages > 0)
    console.log(
      `CPU ms per first page over ${opts.cpuPages} pages in a row: the server process (with PGlite in it) and the seeded database's PostgreSQL backends.`,
    );
  if (opts.json) await writeJson(opts.json, { options: opts, results });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
