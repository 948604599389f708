import proxyAddr from '@fastify/proxy-addr';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UNNAMED_STATEMENT, runWithQueryOrigin } from '@graminsta/platform';
import type { CacheOutcome, CacheState, PoolConnections, QueryOrigin } from '@graminsta/platform';
import { errorBody } from './errors.ts';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Gauge } from 'prom-client';
import { slowQueryLine, type SlowQueryLog } from './metrics-slow-queries.ts';

// The names are the code's own prepared statements (a dozen); the cap only guards the label set.
const MAX_STATEMENT_LABELS = 64;

interface ReplicaSource {
  state(): Array<{ index: number; up: boolean; lagSeconds: number }>;
}

/** One registry per process (not prom-client's global), so tests can build many apps. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'graminsta_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly dbQueries = new Counter({
    name: 'graminsta_db_queries_total',
    help: 'Database queries by outcome and prepared statement name (other: unnamed)',
    labelNames: ['outcome', 'statement'] as const,
    registers: [this.registry],
  });
  readonly httpInFlight = new Gauge({
    name: 'graminsta_http_requests_in_flight',
    help: 'HTTP requests received and not yet answered (a scrape counts itself)',
    registers: [this.registry],
  });
  readonly dbDuration = new Histogram({
    name: 'graminsta_db_query_duration_seconds',
    help: 'Database query duration by prepared statement name (other: unnamed)',
    labelNames: ['statement'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly dbSlowQueries = new Counter({
    name: 'graminsta_db_slow_queries_total',
    help: 'Queries slower than SLOW_QUERY_MS, by prepared statement name (each also logged)',
    labelNames: ['statement'] as const,
    registers: [this.registry],
  });
  readonly dbPoolConnections: Gauge<'pool' | 'state'> = new Gauge({
    name: 'graminsta_db_pool_connections',
    help: 'Clients of each connection pool (primary, replica_<n>) by state: total, idle, waiting (queries queued for a client)',
    labelNames: ['pool', 'state'] as const,
    registers: [this.registry],
    collect: () => {
      for (const p of this.pools?.() ?? []) {
        this.dbPoolConnections.set({ pool: p.pool, state: 'total' }, p.total);
        this.dbPoolConnections.set({ pool: p.pool, state: 'idle' }, p.idle);
        this.dbPoolConnections.set({ pool: p.pool, state: 'waiting' }, p.waiting);
      }
    },
  });
  private pools: (() => PoolConnections[]) | undefined;
  private slowQueries: SlowQueryLog | undefined;

  /** Where the pool gauge reads from, on each scrape (postgres only). */
  watchPools(source: (() => PoolConnections[]) | undefined): void {
    this.pools = source;
  }

  /** Queries slower than `thresholdMs` are counted and logged with their issuer (0: off). */
  watchSlowQueries(log: SlowQueryLog): void {
    this.slowQueries = log.thresholdMs > 0 ? log : undefined;
  }

  readonly timelineReads = new Counter({
    name: 'graminsta_timeline_reads_total',
    help: 'Home timeline reads by outcome (hit, rebuilt, fallback to the query, store_error)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly cacheReads = new Counter({
    name: 'graminsta_cache_reads_total',
    help: 'Cached reads by outcome: l1_hit, hit, stale, miss, coalesced, fallback (the store was down)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly cacheHotKeys: Gauge = new Gauge({
    name: 'graminsta_cache_hot_keys',
    help: 'Hot keys copied in this process (the L1), read on scrape',
    registers: [this.registry],
    collect: () => this.cacheHotKeys.set(this.cache?.().l1Size ?? 0),
  });
  readonly cacheFlights: Gauge = new Gauge({
    name: 'graminsta_cache_loads_in_flight',
    help: 'Cache misses being loaded now (one per key: the others wait for it), read on scrape',
    registers: [this.registry],
    collect: () => this.cacheFlights.set(this.cache?.().flights ?? 0),
  });
  private cache: (() => CacheState) | undefined;

  /** The read-through cache whose state the cache gauges read (CACHE=memory or redis). */
  watchCache(source: () => CacheState): void {
    this.cache = source;
  }

  readonly cacheStoreUp = new Gauge({
    name: 'graminsta_cache_store_up',
    help: 'Whether the cache store answers (0 while reads fall back to the database, and with CACHE=off)',
    registers: [this.registry],
  });

  readonly dbReads = new Counter({
    name: 'graminsta_db_reads_total',
    help: 'Plain reads by where they were served (primary, replica) and why (replica, own_write, lagging, down, transaction, fallback, pinned, background); with DATABASE_REPLICA_URLS only',
    labelNames: ['target', 'reason'] as const,
    registers: [this.registry],
  });
  readonly replicaLag = new Gauge({
    name: 'graminsta_db_replica_lag_seconds',
    help: 'Seconds each replica (by index in DATABASE_REPLICA_URLS) is behind the primary (-1: unknown)',
    labelNames: ['replica'] as const,
    registers: [this.registry],
    collect: () => this.collectReplicas(),
  });
  readonly replicaUp = new Gauge({
    name: 'graminsta_db_replica_up',
    help: 'Whether each replica (by index) answered its last poll as a standby',
    labelNames: ['replica'] as const,
    registers: [this.registry],
  });

  /** The database's onRead hook. */
  readonly observeRead = (target: string, reason: string): void => {
    this.dbReads.inc({ target, reason });
  };

  /** Reads each replica's state at scrape time (never its URL: it may hold a password). */
  watchReplicas(router: ReplicaSource | undefined): void {
    this.replicas = router;
  }

  private replicas: ReplicaSource | undefined;

  private collectReplicas(): void {
    for (const r of this.replicas?.state() ?? []) {
      this.replicaLag.set({ replica: String(r.index) }, r.lagSeconds);
      this.replicaUp.set({ replica: String(r.index) }, r.up ? 1 : 0);
    }
  }
  readonly queueJobs = new Gauge({
    name: 'graminsta_queue_jobs',
    help: 'Jobs in the queue by job name and state (waiting, delayed, active, failed = dead), read on scrape',
    labelNames: ['job', 'state'] as const,
    registers: [this.registry],
    collect: () => this.collectQueueDepth(),
  });
  readonly queueWait = new Histogram({
    name: 'graminsta_queue_wait_seconds',
    help: 'Time a job waited between being due and its first try, by job name',
    labelNames: ['job'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly jobRuns = new Histogram({
    name: 'graminsta_queue_job_run_seconds',
    help: 'Time each try of a job ran, by job name and outcome (ok, failed)',
    labelNames: ['job', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly jobFailures = new Counter({
    name: 'graminsta_queue_job_failures_total',
    help: 'Tries of a job that threw, by job name (the queue retries it or gives it up)',
    labelNames: ['job'] as const,
    registers: [this.registry],
  });

  /** The worker's hook after each try of a job. */
  readonly observeJobRun = (job: string, seconds: number, ok: boolean): void => {
    this.jobRuns.observe({ job, outcome: ok ? 'ok' : 'failed' }, seconds);
    if (!ok) this.jobFailures.inc({ job });
  };

  private queueDepthSource: (() => Promise<Array<{ job: string; state: string; count: number }>>) | null =
    null;

  /** The realtime gateway's open sockets, read at each scrape (set by the realtime role). */
  realtimeCounts: (() => { authenticated: number; unauthenticated: number }) | null = null;
  readonly realtimeConnections: Gauge<'state'> = new Gauge({
    name: 'graminsta_realtime_connections',
    help: 'Open /ws sockets in this process, by state (authenticated or not yet)',
    labelNames: ['state'] as const,
    registers: [this.registry],
    collect: () => {
      const counts = this.realtimeCounts?.() ?? { authenticated: 0, unauthenticated: 0 };
      this.realtimeConnections.set({ state: 'authenticated' }, counts.authenticated);
      this.realtimeConnections.set({ state: 'unauthenticated' }, counts.unauthenticated);
    },
  });
  readonly realtimeDeliveries = new Counter({
    name: 'graminsta_realtime_deliveries_total',
    help: 'Live events sent on a socket (frames delivered)',
    registers: [this.registry],
  });
  readonly realtimeDelivery = new Histogram({
    name: 'graminsta_realtime_delivery_seconds',
    help: 'From an event being made (the time in its id) to its send on a socket, live events only',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly statements = new Set<string>();

  private statementLabel(name: string): string {
    if (this.statements.has(name)) return name;
    if (this.statements.size >= MAX_STATEMENT_LABELS) return UNNAMED_STATEMENT;
    this.statements.add(name);
    return name;
  }

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'graminsta_' });
  }

  /** The read-through cache's onOutcome hook. */
  readonly observeCacheRead = (outcome: CacheOutcome): void => {
    this.cacheReads.inc({ outcome });
  };

  /** The queue adapter's onWait hook. */
  readonly observeQueueWait = (job: string, seconds: number): void => {
    this.queueWait.observe({ job }, seconds);
  };

  /** Where the queue-depth gauge reads from, on each scrape (one query per job name at most). */
  sampleQueueDepth(source: () => Promise<Array<{ job: string; state: string; count: number }>>): void {
    this.queueDepthSource = source;
  }

  // A scrape never waits long for a slow queue: after a second, the gauge shows nothing this time.
  private async collectQueueDepth(): Promise<void> {
    const source = this.queueDepthSource;
    if (!source) return;
    this.queueJobs.reset();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 1000)));
    try {
      const rows = await Promise.race([source(), late]);
      for (const row of rows ?? []) this.queueJobs.set({ job: row.job, state: row.state }, row.count);
    } catch {
      // The queue's store is down: no depth this scrape.
    } finally {
      clearTimeout(timer);
    }
  }

  /** The database adapter's onQuery hook. */
  readonly observeQuery = (
    seconds: number,
    ok: boolean,
    statement = UNNAMED_STATEMENT,
    origin?: QueryOrigin,
  ): void => {
    const label = this.statementLabel(statement);
    this.dbQueries.inc({ outcome: ok ? 'ok' : 'error', statement: label });
    this.dbDuration.observe({ statement: label }, seconds);
    const slow = this.slowQueries;
    if (slow && seconds * 1000 >= slow.thresholdMs) {
      this.dbSlowQueries.inc({ statement: label });
      slow.logger.warn(slowQueryLine(label, seconds, origin), 'slow query');
    }
  };
}

// Fastify gives no route to a request no route matched: one label value for all of them.
const routeOf = (request: FastifyRequest) => request.routeOptions.url ?? 'unmatched';
const ORIGIN = Symbol('graminsta.queryOrigin');
type WithOrigin = FastifyRequest & { [ORIGIN]?: QueryOrigin };

/**
 * Counts every response by route pattern and status, and the requests in flight. Each request
 * runs as the query origin of its queries, so a slow one names its route and request id.
 */
export function observeRequests(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onRequest', (request: WithOrigin, reply, done) => {
    metrics.httpInFlight.inc();
    // 'close' comes once whether the answer was sent or the client went away first.
    reply.raw.once('close', () => metrics.httpInFlight.dec());
    const origin = { route: routeOf(request), requestId: request.id };
    request[ORIGIN] = origin;
    runWithQueryOrigin(origin, done);
  });
  // The body is parsed in the socket's context: the handler re-enters the request's.
  app.addHook('preValidation', (request: WithOrigin, _reply, done) => {
    const origin = request[ORIGIN];
    if (origin) runWithQueryOrigin(origin, done);
    else done();
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: one series per route, not per photo id.
    const route = routeOf(request);
    metrics.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}

/**
 * GET /metrics for the addresses in METRICS_ALLOW only (loopback by default). request.ip is the
 * socket's address unless the socket is a trusted proxy, so a forged X-Forwarded-For gains nothing.
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics, allow: readonly string[]): void {
  const allowed = proxyAddr.compile([...allow]);
  app.get('/metrics', { logLevel: 'warn' }, async (request, reply) => {
    // A 404 like any unknown path: nothing tells an outsider that metrics exist here.
    if (!allowed(request.ip, 0))
      return reply.code(404).send(errorBody('not_found', 'no route for GET /metrics'));
    void reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
