import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import {
  LocalDiskBlobStore,
  MemoryPubSub,
  MemoryQueue,
  PostgresPubSub,
  PostgresQueue,
  loadOrCreateSecret,
  openDatabase,
  readPgliteTemplate,
  type BlobStore,
  type Config,
  type Database,
  type PubSub,
} from '@graminsta/platform';
import {
  MIGRATIONS_FOLDER,
  PGLITE_TEMPLATE_FOLDER,
  createServices,
  limitSettings,
  type LimitOverrides,
  type JobQueue,
  type Services,
} from '@graminsta/core';
import type { Metrics } from './api/metrics.ts';

export interface Composition {
  config: Config;
  database: Database;
  blobs: BlobStore;
  localStore: LocalDiskBlobStore | null;
  queue: JobQueue;
  pubsub: PubSub;
  services: Services;
  secret: string;
  instanceId: string;
  close(): Promise<void>;
}

/** The name this process gives in x-served-by and its logs. */
export function instanceIdOf(config: Config): string {
  return config.INSTANCE_ID ?? `${hostname()}:${process.pid}`;
}

/** Where clients reach this deployment's API when PUBLIC_API_URL is not set: this process. */
export function publicApiUrl(config: Config, port: number = config.PORT): string {
  if (config.PUBLIC_API_URL) return config.PUBLIC_API_URL;
  const wildcard = config.HOST === '0.0.0.0' || config.HOST === '::';
  const host = wildcard ? 'localhost' : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  return `http://${host}:${port}`;
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
}

export async function compose(
  config: Config,
  metrics: Metrics,
  opts: ComposeOptions = {},
): Promise<Composition> {
  const dataDir = resolve(config.DATA_DIR);
  const instanceId = instanceIdOf(config);
  const secret = await loadOrCreateSecret(dataDir, config.SECRET);

  const database =
    opts.database ??
    (await openDatabase({
      url: config.DATABASE_URL,
      dataDir: pgliteFolderOf(config),
      template: () => readPgliteTemplate(PGLITE_TEMPLATE_FOLDER, MIGRATIONS_FOLDER),
      poolSize: config.DATABASE_POOL_SIZE,
      onQuery: metrics.observeQuery,
    }));
  await database.migrate(MIGRATIONS_FOLDER);

  // Stages 2–5 run the queue and pub/sub on PostgreSQL itself; stage 1 keeps them in process.
  const pubsub: PubSub = config.DATABASE_URL
    ? new PostgresPubSub({ url: config.DATABASE_URL })
    : new MemoryPubSub();
  const queue: JobQueue = config.DATABASE_URL
    ? new PostgresQueue({ db: database.db, wakeup: pubsub })
    : new MemoryQueue();

  // With no public URL configured (stage 1), storage links are relative to the API's origin,
  // so they work whichever host name the browser used to reach this process.
  const storageBase = `${config.PUBLIC_STORAGE_URL ?? config.PUBLIC_API_URL ?? ''}/storage`;
  const localStore = new LocalDiskBlobStore({
    dir: join(dataDir, 'blobs'),
    publicBaseUrl: storageBase,
    secret,
  });
  const blobs: BlobStore = localStore;

  const services = createServices({
    db: database.db,
    blobs,
    queue,
    pubsub,
    maxImagePixels: config.MAX_IMAGE_PIXELS,
    uploadQuotaBytes: config.UPLOAD_QUOTA_BYTES,
    limits: limitSettings(config.RATE_LIMITS, opts.limits),
    onBackgroundError: opts.onBackgroundError,
  });

  return {
    config,
    database,
    blobs,
    localStore,
    queue,
    pubsub,
    services,
    secret,
    instanceId,
    async close() {
      await queue.close();
      await pubsub.close();
      await database.close();
    },
  };
}
