import { join, resolve } from 'node:path';
import {
  LocalDiskBlobStore,
  MemoryPubSub,
  MemoryQueue,
  OutboxMailer,
  PostgresPubSub,
  PostgresQueue,
  BullMqQueue,
  hasDepth,
  S3BlobStore,
  SmtpMailer,
  exponentialBackoff,
  loadOrCreateSecret,
  openDatabase,
  readPgliteTemplate,
  type BlobStore,
  type Config,
  type Database,
  type Mailer,
  type PubSub,
  RedisTimelineStore,
  type RedisConnection,
  type ReadCache,
} from '@graminsta/platform';
import {
  MIGRATIONS_FOLDER,
  PGLITE_TEMPLATE_FOLDER,
  createServices,
  JOB_NAMES,
  limitSettings,
  TIMELINE_IDLE_SECONDS,
  TIMELINE_LENGTH,
  type LimitOverrides,
  type JobQueue,
  type Services,
  MemoryPresence,
  RedisPresence,
  everyoneOnline,
  type Presence,
} from '@graminsta/core';
import type { RuntimeContext } from './runtime.ts';
import {
  MemoryCacheStore,
  ReadThroughCache,
  RedisCacheStore,
  RedisPubSub,
  closeRedis,
  WalPositions,
  userReader,
  type ReplicaRoutingPool,
  noCache,
  openRedis,
  redisSettingsFrom,
  whenReady,
  prometheusHistory,
} from '@graminsta/platform';
import { loggedError } from './logged-error.ts';

export interface Composition {
  config: Config;
  database: Database;
  blobs: BlobStore;
  localStore: LocalDiskBlobStore | null;
  queue: JobQueue;
  pubsub: PubSub;
  /** Who holds a live socket: the realtime role marks its users, `post.new` reads it. */
  presence: Presence;
  services: Services;
  secret: string;
  mailer: Mailer;
  /** Cached reads (CACHE): what the services read through. */
  cache: ReadCache;
  /** The engine behind `cache`, null when CACHE=off: its state, for tests and probes. */
  cacheEngine: ReadThroughCache | null;
  /**
   * With read replicas: the router and where each reader's last write is (read-your-writes; the
   * API's hook records writes there). Null without DATABASE_REPLICA_URLS.
   */
  wal: Wal | null;
  /** Tells mailed links where this process listens, when no public URL names the web client. */
  announceListenUrl(url: string): void;
  close(): Promise<void>;
}

/** The PGlite folder of a stage-1 deployment (its lock file sits beside it). */
export function pgliteFolderOf(config: Config): string {
  return join(resolve(config.DATA_DIR), 'pglite');
}

/** The ONLY place adapters are chosen: by configuration, never by stage-specific code paths. */
export interface ComposeOptions {
  /** An already-open database (tests); otherwise one is opened from the configuration. */
  database?: Database;
  /** Failures after a commit (a live event that could not be pushed). */
  onBackgroundError?: (err: unknown) => void;
  /** Rate limits other than the defaults scaled by RATE_LIMITS (tests). */
  limits?: LimitOverrides;
  /** A mailer other than the one the configuration names (tests read what was sent). */
  mailer?: Mailer;
  /** Cache-aside reads given from outside (tests); otherwise the configuration's, if any. */
  cache?: ReadCache;
}

/** What composing reads from the runtime context (a CLI command needs no logger or origins). */
export type ComposeRuntime = Pick<RuntimeContext, 'config' | 'metrics' | 'urls' | 'logger'>;

export async function compose(runtime: ComposeRuntime, opts: ComposeOptions = {}): Promise<Composition> {
  const { config, metrics } = runtime;
  const dataDir = resolve(config.DATA_DIR);
  const secret = await loadOrCreateSecret(dataDir, config.SECRET);

  const database =
    opts.database ??
    (await openDatabase({
      url: config.DATABASE_URL,
      dataDir: pgliteFolderOf(config),
      template: () => readPgliteTemplate(PGLITE_TEMPLATE_FOLDER, MIGRATIONS_FOLDER),
      poolSize: config.DATABASE_POOL_SIZE,
      onQuery: metrics.observeQuery,
      replicaUrls: config.DATABASE_REPLICA_URLS,
      replicaMaxLagMs: config.DATABASE_REPLICA_MAX_LAG_MS,
      onRead: metrics.observeRead,
    }));
  metrics.watchReplicas(database.replicas);
  metrics.watchPools(database.connections);
  await database.migrate(MIGRATIONS_FOLDER);

  // Stages 2–5 run the queue and pub/sub on PostgreSQL itself; stage 1 keeps them in process.
  // Stage 6 (PUBSUB=redis): events fan out over Redis to whichever process holds the socket.
  const events = openEventBus(runtime, opts);
  const pubsub: PubSub = events.pubsub;
  const retries = {
    backoffMs: exponentialBackoff(config.QUEUE_RETRY_BASE_MS),
    defaultAttempts: config.QUEUE_ATTEMPTS,
  };
  const queue: JobQueue = openQueue(runtime, database, pubsub, retries);
  const wal = openWal(runtime, database.replicas);

  // Stage 6: cached reads where CACHE says (off, this process's memory, or Redis shared by all).
  const cached = await openCache(runtime, pubsub);
  const engine = cached.engine;
  if (engine) metrics.watchCache(() => engine.state());

  // Stage 5: object storage when S3_ENDPOINT is set; the storage role's folder otherwise.
  const s3 = config.S3_ENDPOINT
    ? new S3BlobStore({
        endpoint: config.S3_ENDPOINT,
        publicEndpoint: config.S3_PUBLIC_ENDPOINT,
        bucket: config.S3_BUCKET,
        region: config.S3_REGION,
        accessKeyId: config.S3_ACCESS_KEY_ID,
        secretAccessKey: config.S3_SECRET_ACCESS_KEY,
        forcePathStyle: config.S3_FORCE_PATH_STYLE,
        cdnUrl: config.CDN_URL,
        purgeUrls: config.CDN_PURGE_URLS,
        onPurgeFailure: (failure) =>
          opts.onBackgroundError?.(new Error(`CDN purge failed: ${failure.url}: ${failure.reason}`)),
      })
    : null;
  const localStore = s3
    ? null
    : new LocalDiskBlobStore({ dir: join(dataDir, 'blobs'), publicBaseUrl: runtime.urls.storage, secret });
  const blobs: BlobStore = s3 ?? localStore!;

  // SMTP_URL set: a real relay; otherwise mail lands in $DATA_DIR/outbox and the log says where.
  const mailer: Mailer =
    opts.mailer ??
    (config.SMTP_URL
      ? new SmtpMailer({ url: config.SMTP_URL, from: config.MAIL_FROM })
      : new OutboxMailer({
          dir: join(dataDir, 'outbox'),
          from: config.MAIL_FROM,
          onWritten: ({ file, subject }) =>
            runtime.logger.info(
              { file, subject },
              'mail written to the outbox (open the file to follow its link)',
            ),
        }));
  // Links go to the web client: its public URL, else this process (stage 1 serves the client too).
  let listenUrl = runtime.urls.api(config.PORT);
  const webUrl = () => config.PUBLIC_WEB_URL ?? listenUrl;

  // Stage 6 (TIMELINES=on, REDIS_URL set): home timelines in Redis, filled on write.
  const timelineRedis = config.TIMELINES === 'on' ? openTimelineRedis(runtime) : null;
  const timelines = timelineRedis && {
    store: new RedisTimelineStore({
      client: timelineRedis,
      maxLength: TIMELINE_LENGTH,
      idleSeconds: TIMELINE_IDLE_SECONDS,
    }),
    celebrityFollowers: config.FEED_CELEBRITY_FOLLOWERS,
    onOutcome: (outcome: string) => metrics.timelineReads.inc({ outcome }),
    onStoreError: throttledWarn(runtime, 'home timelines unavailable: the feed reads the database'),
  };

  const services = createServices({
    db: database.db,
    blobs,
    queue,
    // With replicas, an event's recipient reads on from where the event was written.
    pubsub: wal ? recipientsReadTheirEvents(pubsub, wal) : pubsub,
    // A test may put one cache in front of several compositions.
    cache: opts.cache ?? cached.cache,
    maxImagePixels: config.MAX_IMAGE_PIXELS,
    uploadQuotaBytes: config.UPLOAD_QUOTA_BYTES,
    limits: limitSettings(config.RATE_LIMITS, opts.limits),
    onBackgroundError: opts.onBackgroundError,
    mailer,
    webUrl,
    timelines: timelines ?? undefined,
    presence: events.presence,
    metricsHistory: config.PROMETHEUS_URL ? prometheusHistory(config.PROMETHEUS_URL) : undefined,
  });

  return {
    config,
    database,
    blobs,
    localStore,
    queue,
    pubsub,
    presence: events.presence,
    services,
    secret,
    mailer,
    cache: opts.cache ?? cached.cache,
    cacheEngine: cached.engine,
    wal,
    announceListenUrl(url) {
      if (!config.PUBLIC_API_URL) listenUrl = url;
    },
    async close() {
      await queue.close();
      await mailer.close?.();
      await cached.close();
      await pubsub.close();
      await events.close();
      await wal?.close();
      await database.close();
      s3?.close();
      timelineRedis?.disconnect();
    },
  };
}

/**
 * The queue QUEUE names (resolved in config: bullmq with Redis, postgres with DATABASE_URL, memory
 * otherwise). Job wait times and (on scrape) queue depth go to the metrics.
 */
function openQueue(
  runtime: ComposeRuntime,
  database: Database,
  pubsub: PubSub,
  retries: { backoffMs: (attempt: number) => number; defaultAttempts: number },
): JobQueue {
  const { config, metrics } = runtime;
  const onWait = metrics.observeQueueWait;
  let queue: JobQueue;
  if (config.QUEUE === 'bullmq') {
    const settings = redisSettingsFrom(config);
    if (!settings) throw new Error('QUEUE=bullmq needs REDIS_URL or REDIS_CLUSTER_NODES');
    queue = new BullMqQueue({
      redis: settings,
      leaseMs: config.QUEUE_LEASE_MS,
      onWait,
      // Host and port only: REDIS_URL (and its password) never reaches the log.
      onError: throttledWarn(runtime, 'job queue (BullMQ) error'),
      ...retries,
    });
  } else if (config.QUEUE === 'postgres') {
    if (!config.DATABASE_URL) throw new Error('QUEUE=postgres needs DATABASE_URL');
    queue = new PostgresQueue({
      db: database.db,
      wakeup: pubsub,
      leaseMs: config.QUEUE_LEASE_MS,
      onWait,
      ...retries,
    });
  } else {
    queue = new MemoryQueue(retries);
  }
  if (hasDepth(queue)) metrics.sampleQueueDepth(() => queue.depth(JOB_NAMES));
  return queue;
}

export interface Wal {
  router: ReplicaRoutingPool;
  positions: WalPositions;
  close(): Promise<void>;
}

/**
 * Read-your-writes positions (DATABASE_REPLICA_URLS): in Redis when there is one, so the next
 * request of a user served by another API process finds them, and in this process.
 */
function openWal(runtime: ComposeRuntime, router: ReplicaRoutingPool | undefined): Wal | null {
  if (!router) return null;
  const settings = redisSettingsFrom(runtime.config);
  const onError = throttledWarn(runtime, 'read-your-writes: position not kept');
  const redis = settings ? openRedis({ ...settings, name: 'graminsta-wal', onError }) : undefined;
  const positions = new WalPositions({
    maxLagMs: runtime.config.DATABASE_REPLICA_MAX_LAG_MS,
    redis,
    onError,
  });
  return { router, positions, close: async () => void (redis && (await closeRedis(redis))) };
}

/**
 * An event for a user (`user:<id>`) is stored before it is published. Raising that user's
 * read-your-writes position first means what the event tells of (a photo a worker made ready, a
 * like) is there when they look, even on a replica that has not replayed it yet. A failure costs
 * only the hint: the event still goes out.
 */
function recipientsReadTheirEvents(bus: PubSub, wal: Wal): PubSub {
  return {
    async publish(channel, message) {
      const user = /^user:(.+)$/.exec(channel)?.[1];
      // A post.new is a hint to thousands at once: the feed shows the post once a replica has it.
      const hint = (message as { type?: unknown } | null)?.type === 'post.new';
      if (user && !hint) {
        try {
          await wal.positions.record([userReader(user)], await wal.router.currentPosition());
        } catch {
          // The primary did not answer: the publish below reports the outage if it persists.
        }
      }
      await bus.publish(channel, message);
    },
    subscribe: (channel, handler) => bus.subscribe(channel, handler),
    close: () => bus.close(),
    // A fan-out split by the bus's limit (NOTIFY's) must still see it through the wrapper.
    maxMessageBytes: bus.maxMessageBytes,
  };
}

interface EventBus {
  pubsub: PubSub;
  presence: Presence;
  /** Closes what the bus opened besides `pubsub` (closed with the composition). */
  close(): Promise<void>;
}

/**
 * The bus PUBSUB names, and the presence that goes with it: in process at stage 1 (the sockets
 * are here), everyone at stages 2–5 (nothing shared knows), a Redis sorted set at stage 6.
 */
function openEventBus(runtime: ComposeRuntime, opts: ComposeOptions): EventBus {
  const { config } = runtime;
  if (config.PUBSUB === 'redis') {
    const settings = redisSettingsFrom(config);
    if (!settings) throw new Error('PUBSUB=redis needs REDIS_URL or REDIS_CLUSTER_NODES');
    const onError = throttledWarn(runtime, 'redis connection error (events)');
    const redis = openRedis({ ...settings, name: 'graminsta-presence', onError });
    return {
      pubsub: new RedisPubSub({ redis: settings, prefix: 'graminsta:events:', onError }),
      presence: new RedisPresence({ redis, onError }),
      async close() {
        await this.presence.close();
        await closeRedis(redis);
      },
    };
  }
  if (config.PUBSUB === 'postgres') {
    if (!config.DATABASE_URL) throw new Error('PUBSUB=postgres needs DATABASE_URL');
    return {
      pubsub: new PostgresPubSub({ url: config.DATABASE_URL, onError: opts.onBackgroundError }),
      presence: everyoneOnline,
      close: async () => {},
    };
  }
  return { pubsub: new MemoryPubSub(), presence: new MemoryPresence(), close: async () => {} };
}

interface OpenedCache {
  cache: ReadCache;
  engine: ReadThroughCache | null;
  close(): Promise<void>;
}

/**
 * The cache CACHE names. `redis`: one store for every process, invalidations on a Redis bus of its
 * own (the event bus stays where it is), an L1 of hot keys when CACHE_L1=on. `memory`: this
 * process's store, invalidated over the composition's bus. A Redis down at start is no error:
 * reads go to the database until it answers.
 */
async function openCache(runtime: ComposeRuntime, pubsub: PubSub): Promise<OpenedCache> {
  const { config, metrics, logger } = runtime;
  if (config.CACHE === 'off') return { cache: noCache, engine: null, close: async () => {} };
  // An outage reports on every reconnect of every connection: one line per 10 s is enough.
  let lastLogged = 0;
  const onError = (err: unknown) => {
    if (Date.now() - lastLogged < 10_000) return;
    lastLogged = Date.now();
    logger.warn({ err: loggedError(err) }, 'cache store or its bus failed: reads go to the database');
  };
  const common = {
    ttlSeconds: config.CACHE_TTL_SECONDS,
    l1: config.CACHE_L1 === 'on' ? {} : (false as const),
    onOutcome: metrics.observeCacheRead,
    onStoreUp: (up: boolean) => metrics.cacheStoreUp.set(up ? 1 : 0),
    onError,
  };
  metrics.cacheStoreUp.set(1);
  if (config.CACHE === 'memory') {
    const engine = new ReadThroughCache({
      ...common,
      store: new MemoryCacheStore(),
      pubsub,
      storePerProcess: true,
    });
    await engine.listening;
    return { cache: engine, engine, close: () => engine.close() };
  }
  const settings = redisSettingsFrom(config);
  if (!settings) throw new Error('CACHE=redis needs REDIS_URL or REDIS_CLUSTER_NODES');
  const redis = openRedis({ ...settings, name: 'graminsta-cache', onError });
  await whenReady(redis);
  const bus = new RedisPubSub({ redis: settings, onError });
  const engine = new ReadThroughCache({ ...common, store: new RedisCacheStore({ redis }), pubsub: bus });
  await engine.listening;
  return {
    cache: engine,
    engine,
    async close() {
      await engine.close();
      await bus.close();
    },
  };
}

/** The Redis client of the timeline store; its errors are logged (throttled), never thrown. */
function openTimelineRedis(runtime: ComposeRuntime): RedisConnection {
  const settings = redisSettingsFrom(runtime.config);
  if (!settings) throw new Error('TIMELINES=on needs REDIS_URL or REDIS_CLUSTER_NODES');
  return openRedis({
    ...settings,
    name: 'graminsta-timelines',
    // The message names host and port only: REDIS_URL (and its password) never reaches the log.
    onError: throttledWarn(runtime, 'redis connection error (timelines)'),
  });
}

/** A warning at most every 10 s: a Redis outage under load would otherwise log once per request. */
function throttledWarn(runtime: ComposeRuntime, message: string): (err: unknown) => void {
  let last = 0;
  return (err) => {
    const now = Date.now();
    if (now - last < 10_000) return;
    last = now;
    runtime.logger.warn({ reason: err instanceof Error ? err.message : String(err) }, message);
  };
}
