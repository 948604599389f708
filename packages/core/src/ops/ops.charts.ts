import type { OpsUnit } from '@graminsta/contracts';

/**
 * The operations page's charts: a FIXED set of PromQL expressions (a client never sends PromQL).
 * What they expect of the scrape configuration (packages/topology/src/prometheus.ts): `job` is the
 * tier (`api`, `web`, `worker`, `realtime`, or whatever one process running every role is
 * called), `instance_name` the process. The metrics' own `job` label (queue job names) becomes
 * `exported_job` under Prometheus's default honor_labels: false.
 */
export interface ChartSpec {
  id: string;
  title: string;
  unit: OpsUnit;
  /** The expression, given the rate range (`30s`). */
  query: (range: string) => string;
  /** The series' name from its labels: a tier, a job name or a state, never an id. */
  name: (labels: Record<string, string>) => string;
}

// Probes and scrapes are not traffic: without this a quiet site would chart Prometheus itself.
const TRAFFIC = 'route!~"/metrics|/healthz|/readyz"';
const HTTP = 'graminsta_http_request_duration_seconds';
// Outcomes that spared the database a load: see the cache's onOutcome hook.
const CACHE_HITS = 'outcome=~"l1_hit|hit|stale|coalesced"';

const byTier = (l: Record<string, string>) => l.job ?? 'all';
const named = (label: string, fallback: string) => (l: Record<string, string>) => l[label] ?? fallback;

export const CHARTS: readonly ChartSpec[] = [
  {
    id: 'request-rate',
    title: 'Requests per second, by tier',
    unit: 'requests/s',
    query: (r) => `sum by (job) (rate(${HTTP}_count{${TRAFFIC}}[${r}]))`,
    name: byTier,
  },
  {
    id: 'error-rate',
    title: 'Server errors (5xx) per second, by tier',
    unit: 'errors/s',
    query: (r) => `sum by (job) (rate(${HTTP}_count{status=~"5.."}[${r}]))`,
    name: byTier,
  },
  {
    id: 'latency-p99',
    title: 'Request latency p99, by tier',
    unit: 'seconds',
    query: (r) => `histogram_quantile(0.99, sum by (job, le) (rate(${HTTP}_bucket{${TRAFFIC}}[${r}])))`,
    name: byTier,
  },
  {
    id: 'db-queries',
    title: 'Database queries per second, by tier',
    unit: 'queries/s',
    query: (r) => `sum by (job) (rate(graminsta_db_queries_total[${r}]))`,
    name: byTier,
  },
  {
    id: 'db-latency-p99',
    title: 'Database query time p99, by tier',
    unit: 'seconds',
    query: (r) =>
      `histogram_quantile(0.99, sum by (job, le) (rate(graminsta_db_query_duration_seconds_bucket[${r}])))`,
    name: byTier,
  },
  {
    id: 'cache-hit-ratio',
    title: 'Cache hit ratio, by tier',
    unit: 'ratio',
    query: (r) =>
      `sum by (job) (rate(graminsta_cache_reads_total{${CACHE_HITS}}[${r}])) / sum by (job) (rate(graminsta_cache_reads_total[${r}]))`,
    name: byTier,
  },
  {
    id: 'edge-hit-ratio',
    title: 'Edge (CDN) hit ratio',
    unit: 'ratio',
    // The edge cache exporter's counts of nginx's cache outcomes (stage 5 and up, with --monitor).
    query: (r) =>
      `sum(rate(graminsta_edge_requests_total{cache="hit"}[${r}])) / sum(rate(graminsta_edge_requests_total[${r}]))`,
    name: () => 'edge',
  },
  {
    id: 'queue-depth',
    title: 'Queue depth, by state',
    unit: 'jobs',
    // Every process with a queue reports the same shared depth: the largest, not the sum.
    query: () => 'sum by (state) (max by (exported_job, state) (graminsta_queue_jobs))',
    name: named('state', 'all'),
  },
  {
    id: 'queue-wait-p95',
    title: 'Queue wait p95, by job',
    unit: 'seconds',
    query: (r) =>
      `histogram_quantile(0.95, sum by (exported_job, le) (rate(graminsta_queue_wait_seconds_bucket[${r}])))`,
    name: named('exported_job', 'all'),
  },
  {
    id: 'realtime-connections',
    title: 'Realtime connections, by state',
    unit: 'connections',
    // Processes without the realtime role report 0: the sum is the gateways' sockets.
    query: () => 'sum by (state) (graminsta_realtime_connections)',
    name: named('state', 'all'),
  },
  {
    id: 'realtime-delivery-p99',
    title: 'Realtime delivery p99',
    unit: 'seconds',
    query: (r) =>
      `histogram_quantile(0.99, sum by (le) (rate(graminsta_realtime_delivery_seconds_bucket[${r}])))`,
    name: () => 'delivery',
  },
];
