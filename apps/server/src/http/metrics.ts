import proxyAddr from '@fastify/proxy-addr';
import type { FastifyInstance } from 'fastify';
import { UNNAMED_STATEMENT } from '@graminsta/platform';
import { errorBody } from './errors.ts';
import type { CacheOutcome } from '@graminsta/platform';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Gauge } from 'prom-client';

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
  readonly dbDuration = new Histogram({
    name: 'graminsta_db_query_duration_seconds',
    help: 'Database query duration',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
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
  readonly observeQuery = (seconds: number, ok: boolean, statement = UNNAMED_STATEMENT): void => {
    this.dbQueries.inc({ outcome: ok ? 'ok' : 'error', statement: this.statementLabel(statement) });
    this.dbDuration.observe(seconds);
  };
}

/** Counts every response by route pattern and status. */
export function observeRequests(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: one series per route, not per photo id.
    const route = request.routeOptions.url ?? 'unmatched';
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
