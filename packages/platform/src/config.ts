import { z } from 'zod';

export const ALL_ROLES = ['api', 'worker', 'realtime', 'storage', 'web'] as const;
export type Role = (typeof ALL_ROLES)[number];

const optionalUrl = z.url().optional();
const list = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

// An IP address, a CIDR range, or one of proxy-addr's names for a range.
const address = z
  .string()
  .regex(/^([0-9a-fA-F.:]+(\/[0-9]{1,3})?|loopback|linklocal|uniquelocal)$/, 'an IP address or CIDR range');

const EnvSchema = z.object({
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: optionalUrl,
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /**
   * Stage 6: streaming replicas of DATABASE_URL (comma-separated postgres:// URLs). Plain
   * SELECTs outside a transaction go to one that has replayed the reader's own last write;
   * transactions, locking reads and every write stay on the primary.
   */
  DATABASE_REPLICA_URLS: list.pipe(
    z.array(z.url().refine((v) => /^postgres(ql)?:\/\//i.test(v), 'must be a postgres:// URL')),
  ),
  /** A replica further behind the primary than this (ms) gets no reads until it catches up. */
  DATABASE_REPLICA_MAX_LAG_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
  /**
   * Stage 5: photos live in S3-compatible object storage at this endpoint (the API, workers and
   * the edge reach it here) instead of the storage role's local folder.
   */
  S3_ENDPOINT: optionalUrl,
  /** Where browsers send presigned uploads, when not S3_ENDPOINT itself. */
  S3_PUBLIC_ENDPOINT: optionalUrl,
  S3_BUCKET: z.string().min(3).max(63).default('graminsta'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Bucket in the path (`endpoint/bucket/key`), as local S3 servers and MinIO want; 'false' for virtual hosts. */
  S3_FORCE_PATH_STYLE: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** The public base of photo URLs: `${CDN_URL}/${key}` (the edge in front of the object store). */
  CDN_URL: optionalUrl,
  /**
   * Edges to evict a deleted photo's objects from: `PURGE ${base}/${key}` to each (nginx's
   * cache-purge module). Comma-separated.
   */
  CDN_PURGE_URLS: list.pipe(z.array(z.url())),
  PUBLIC_API_URL: optionalUrl,
  /** The Prometheus scraping this topology (`up --monitor` sets it): the operations page reads its charts there. */
  PROMETHEUS_URL: optionalUrl,
  PUBLIC_WEB_URL: optionalUrl,
  /** Where browsers reach the storage role; defaults to the API's own origin. */
  PUBLIC_STORAGE_URL: optionalUrl,
  CORS_ORIGINS: list,
  ROLES: list.pipe(z.array(z.enum(ALL_ROLES))),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Signs upload URLs; generated and kept in DATA_DIR when unset. */
  SECRET: z.string().min(16).optional(),
  INSTANCE_ID: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MAX_IMAGE_PIXELS: z.coerce.number().int().min(1).default(50_000_000),
  /** Declared upload bytes one account may have in flight (not yet processed or expired): 100 MiB. */
  UPLOAD_QUOTA_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(100 * 1024 * 1024),
  /** How long a claimed job stays a worker's (PostgreSQL queue): a killed worker's job runs again after it. */
  QUEUE_LEASE_MS: z.coerce.number().int().min(500).max(3_600_000).default(60_000),
  /** The first retry's delay after a failed job; each further retry doubles it (at most 5 minutes). */
  QUEUE_RETRY_BASE_MS: z.coerce.number().int().min(10).max(300_000).default(1_000),
  /** Tries of a job that names none (photo processing): after the last, its post is marked failed. */
  QUEUE_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  /** Photo jobs one worker process runs at once. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /**
   * Addresses or CIDR ranges of the balancers in front of this process. X-Forwarded-For is
   * believed only from them; anyone else's header is ignored and the socket's address counts.
   */
  TRUSTED_PROXIES: list.pipe(z.array(address)),
  /** Who may read /metrics: addresses or CIDR ranges (loopback by default). */
  METRICS_ALLOW: list.pipe(z.array(address)).transform((v) => (v.length > 0 ? v : ['loopback'])),
  /**
   * Every rate limit multiplied by this number (load tests and seeding raise them), or 'off'.
   * Production keeps the default, 1.
   */
  RATE_LIMITS: z.union([z.literal('off'), z.coerce.number().positive().max(1_000_000)]).default(1),
  /** A query slower than this is logged (warn) with the route and request id or job that issued it (0: off). */
  SLOW_QUERY_MS: z.coerce.number().int().min(0).max(3_600_000).default(250),
  /** Serve /metrics on this port of its own instead of beside the API (0: off). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** A socket with no bytes moving for this long is closed (a stalled body, a silent client). */
  HTTP_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** The whole request head must arrive within this time (slowloris). */
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000),
  /** The whole request, body included: long enough for a large upload on a slow link. */
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(600_000),
  /** An idle keep-alive connection is closed after this long. */
  HTTP_KEEPALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  /** Largest request head, in bytes (Node's maxHeaderSize). */
  HTTP_MAX_HEADER_BYTES: z.coerce.number().int().min(1024).max(1_048_576).default(16_384),
  /** Stage 6: Redis (redis://host:port/db); the cache, its invalidations and home timelines live there. */
  REDIS_URL: z
    .url()
    .refine((v) => /^rediss?:\/\//i.test(v), 'must be a redis:// or rediss:// URL')
    .optional(),
  /** Comma-separated `host:port` seed nodes of a Redis Cluster; takes the place of REDIS_URL's single node. */
  REDIS_CLUSTER_NODES: list.pipe(z.array(z.string().regex(/^[^\s:]+:[0-9]{1,5}$/, 'host:port'))),
  /** How long a cached read stays fresh (seconds); entries carry ±10 % jitter. */
  CACHE_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(30),
  /**
   * Where cached reads live: `redis` (shared by every process; the default when REDIS_URL is
   * set), `memory` (this process only; the default at stage 1, where one process runs
   * everything) or `off`. Stages 2–5 default to `off`: see ARCHITECTURE.md.
   */
  CACHE: z.enum(['off', 'memory', 'redis']).optional(),
  /** A small in-process copy of keys read often (hot), dropped over pub/sub on every write. */
  CACHE_L1: z.enum(['on', 'off']).default('on'),
  /** Home timelines kept in Redis and filled on write (`on` needs REDIS_URL); `off`: the feed is one query. */
  TIMELINES: z.enum(['on', 'off']).optional(),
  /** Authors with at least this many followers are not fanned out on write: their posts are merged at read time. */
  FEED_CELEBRITY_FOLLOWERS: z.coerce.number().int().min(1).default(1_000),
  /**
   * The job queue: `bullmq` (Redis; the default when REDIS_URL is set), `postgres` (a table on
   * DATABASE_URL; the default at stages 2–5) or `memory` (this process; stage 1).
   */
  QUEUE: z.enum(['memory', 'postgres', 'bullmq']).optional(),
  /**
   * The bus live events travel on: `redis` (the default when REDIS_URL is set), `postgres`
   * (LISTEN/NOTIFY; stages 2–5) or `memory` (this process; stage 1).
   */
  PUBSUB: z.enum(['memory', 'postgres', 'redis']).optional(),
  /** Mail through this SMTP relay (smtp:// or smtps://, credentials in the URL); unset: $DATA_DIR/outbox. */
  SMTP_URL: z
    .url()
    .refine((v) => /^smtps?:\/\//i.test(v), 'must be an smtp:// or smtps:// URL')
    .optional(),
  /** The From of every mail; one header line. */
  MAIL_FROM: z
    .string()
    .min(3)
    .max(254)
    .regex(/^[^\r\n\0]*@[^\r\n\0]*$/, 'must be one line holding an address')
    .default('Graminsta <no-reply@localhost>'),
});

export type CacheMode = 'off' | 'memory' | 'redis';

export type QueueMode = 'memory' | 'postgres' | 'bullmq';
export type PubSubMode = 'memory' | 'postgres' | 'redis';

export type Config = Omit<z.infer<typeof EnvSchema>, 'CACHE' | 'TIMELINES' | 'QUEUE' | 'PUBSUB'> & {
  roles: Role[];
  /** Resolved: redis with REDIS_URL, memory at stage 1 (no DATABASE_URL), off otherwise, unless CACHE says. */
  CACHE: CacheMode;
  TIMELINES: 'on' | 'off';
  /** Resolved: bullmq with Redis, postgres with DATABASE_URL, memory otherwise, unless QUEUE says. */
  QUEUE: QueueMode;
  /** Resolved: redis with Redis, postgres with DATABASE_URL, memory otherwise, unless PUBSUB says. */
  PUBSUB: PubSubMode;
};

export class ConfigError extends Error {}

/** Parses the environment once; a bad value fails fast naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = EnvSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const cfg = result.data;
  const redis = Boolean(cfg.REDIS_URL) || cfg.REDIS_CLUSTER_NODES.length > 0;
  const cache: CacheMode = cfg.CACHE ?? (redis ? 'redis' : cfg.DATABASE_URL ? 'off' : 'memory');
  const timelines = cfg.TIMELINES ?? (redis ? 'on' : 'off');
  const pg = Boolean(cfg.DATABASE_URL);
  const queue: QueueMode = cfg.QUEUE ?? (redis ? 'bullmq' : pg ? 'postgres' : 'memory');
  const pubsub: PubSubMode = cfg.PUBSUB ?? (redis ? 'redis' : pg ? 'postgres' : 'memory');
  const needRedis = [
    cache === 'redis' && 'CACHE=redis',
    timelines === 'on' && 'TIMELINES=on',
    queue === 'bullmq' && 'QUEUE=bullmq',
    pubsub === 'redis' && 'PUBSUB=redis',
  ].filter(Boolean);
  if (needRedis.length > 0 && !redis) {
    throw new ConfigError(`Invalid configuration:\n  REDIS_URL: required by ${needRedis.join(' and ')}`);
  }
  const needPg = [
    queue === 'postgres' && 'QUEUE=postgres',
    pubsub === 'postgres' && 'PUBSUB=postgres',
    cfg.DATABASE_REPLICA_URLS.length > 0 && 'DATABASE_REPLICA_URLS',
  ].filter(Boolean);
  if (needPg.length > 0 && !pg) {
    throw new ConfigError(`Invalid configuration:\n  DATABASE_URL: required by ${needPg.join(' and ')}`);
  }
  return {
    ...cfg,
    CACHE: cache,
    TIMELINES: timelines,
    QUEUE: queue,
    PUBSUB: pubsub,
    roles: cfg.ROLES.length > 0 ? cfg.ROLES : [...ALL_ROLES],
  };
}
