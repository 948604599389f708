import { join, resolve } from 'node:path';
import {
  LocalDiskBlobStore,
  MemoryPubSub,
  MemoryQueue,
  OutboxMailer,
  PostgresPubSub,
  PostgresQueue,
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
  type ReadCache,
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
import type { RuntimeContext } from './runtime.ts';

export interface Composition {
  config: Config;
  database: Database;
  blobs: BlobStore;
  localStore: LocalDiskBlobStore | null;
  queue: JobQueue;
  pubsub: PubSub;
  services: Services;
  secret: string;
  mailer: Mailer;
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
    }));
  await database.migrate(MIGRATIONS_FOLDER);

  // Stages 2–5 run the queue and pub/sub on PostgreSQL itself; stage 1 keeps them in process.
  const pubsub: PubSub = config.DATABASE_URL
    ? new PostgresPubSub({ url: config.DATABASE_URL })
    : new MemoryPubSub();
  const retries = {
    backoffMs: exponentialBackoff(config.QUEUE_RETRY_BASE_MS),
    defaultAttempts: config.QUEUE_ATTEMPTS,
  };
  const queue: JobQueue = config.DATABASE_URL
    ? new PostgresQueue({ db: database.db, wakeup: pubsub, leaseMs: config.QUEUE_LEASE_MS, ...retries })
    : new MemoryQueue(retries);

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

  const services = createServices({
    db: database.db,
    blobs,
    queue,
    pubsub,
    maxImagePixels: config.MAX_IMAGE_PIXELS,
    uploadQuotaBytes: config.UPLOAD_QUOTA_BYTES,
    limits: limitSettings(config.RATE_LIMITS, opts.limits),
    onBackgroundError: opts.onBackgroundError,
    mailer,
    webUrl,
    cache: opts.cache,
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
    mailer,
    announceListenUrl(url) {
      if (!config.PUBLIC_API_URL) listenUrl = url;
    },
    async close() {
      await queue.close();
      await mailer.close?.();
      await pubsub.close();
      await database.close();
      s3?.close();
    },
  };
}
