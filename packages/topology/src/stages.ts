import type { Role } from '@graminsta/platform';

/**
 * The listening addresses a stage offers: the web client's and the API's (the same in 1–2), and
 * at stage 5 the object store's (browsers send uploads there) and the edge's (photos come from it).
 */
export type Front = 'web' | 'api' | 'store' | 'cdn';

/** The fronts every stage has; `store` and `cdn` only where the stage runs them. */
export type FrontUrls = Record<'web' | 'api', string> & Partial<Record<'store' | 'cdn', string>>;

/** What `graminsta up` scales by flag: `--api`, `--web`, `--workers`, `--realtime` (stage 6). */
export type Scale = 'api' | 'web' | 'worker' | 'realtime';

/**
 * Settings that differ between a stage's processes, each computed from the stage's addresses:
 * DATABASE_URL the stage's database, PUBLIC_*_URL and CORS_ORIGINS its fronts, TRUSTED_PROXIES
 * the balancers' address.
 */
export type StageSetting =
  | 'DATABASE_URL'
  | 'PUBLIC_API_URL'
  | 'PUBLIC_WEB_URL'
  | 'CORS_ORIGINS'
  | 'PUBLIC_STORAGE_URL'
  | 'TRUSTED_PROXIES'
  // Stage 5: the object store (where processes reach it, where browsers send uploads, its keys)
  // and the edge (photo URLs, and where deleted photos are purged).
  | 'S3_ENDPOINT'
  | 'S3_PUBLIC_ENDPOINT'
  | 'S3_BUCKET'
  | 'S3_ACCESS_KEY_ID'
  | 'S3_SECRET_ACCESS_KEY'
  | 'CDN_URL'
  | 'CDN_PURGE_URLS'
  // Stage 6: the cache and home timelines' Redis (and, in part 2, the queue's and pub/sub's).
  | 'REDIS_URL'
  // Stage 6: the streaming replica(s) SELECTs may go to.
  | 'DATABASE_REPLICA_URLS';

/** One kind of process in a stage, run as `graminsta start --roles …`, named `<name>-<n>`. */
export interface ProcessGroup {
  name: string;
  roles: readonly Role[];
  /** How many: a fixed number, or the `--api` / `--web` / `--workers` count of `graminsta up`. */
  instances: number | { scale: Scale };
  /** Listens on a front's port itself, or on a free port behind a balancer. */
  listen: Front | 'free';
  settings: readonly StageSetting[];
}

/** One nginx process in front of a group (and, for the API, of storage under /storage/). */
export interface Balancer {
  name: string;
  listen: 'web' | 'api';
  upstream: string;
  storage?: string;
  /** Forwards WebSocket upgrades on /ws. */
  websockets: boolean;
  /**
   * Stage 6: /ws goes to this group (the realtime tier) instead of `upstream`, balanced on open
   * connections (`least_conn`); everything else still goes to `upstream`.
   */
  websocketsUpstream?: string;
}

export interface StageTopology {
  stage: number;
  /** Runs on PostgreSQL (stage 1 keeps PGlite in its data folder). */
  database: boolean;
  /** The API's port is the web port plus this. */
  apiPortOffset: 0 | 1;
  /** The first process starts alone and migrates, so the others start on a ready schema. */
  firstStartsAlone: boolean;
  /** In start order. */
  groups: readonly ProcessGroup[];
  /** In start order, after every group answers /readyz. */
  balancers: readonly Balancer[];
  /**
   * Stage 5: photos live in an S3-protocol object store (s3rver on loopback, `graminsta
   * object-store`), started before the groups, on the `store` front; no group runs `storage`.
   */
  objectStore?: { name: string; listen: 'store' };
  /** Stage 5: the CDN edge (nginx proxy_cache over the object store) on the `cdn` front, started last. */
  edge?: { name: string; listen: 'cdn' };
  /**
   * Stage 6: a Redis for the read cache, its hot-key L1 invalidations and the home timelines
   * (`redis-server` on a free loopback port, no persistence), started before everything else and
   * stopped last; groups that list `REDIS_URL` get its address.
   */
  redis?: { name: string };
  /**
   * Stage 6: a PostgreSQL primary and one streaming replica of it, the supervisor's own clusters
   * (packages/topology/src/pg-cluster.ts), started after Redis and before the groups, unless the
   * operator gives DATABASE_URL and DATABASE_REPLICA_URLS.
   */
  postgres?: { primary: string; replica: string };
}

const EVERY_ROLE = ['api', 'worker', 'realtime', 'storage', 'web'] as const;
const API_SETTINGS = ['DATABASE_URL', 'PUBLIC_API_URL', 'PUBLIC_WEB_URL', 'CORS_ORIGINS'] as const;
// Behind the balancers every request comes from loopback: instances believe their
// X-Forwarded-For only, so per-address limits count the real client.
const BALANCED = ['DATABASE_URL', 'PUBLIC_API_URL', 'PUBLIC_WEB_URL', 'TRUSTED_PROXIES'] as const;
const BALANCED_API = [...BALANCED, 'CORS_ORIGINS', 'PUBLIC_STORAGE_URL'] as const;
const OBJECT_STORE = [
  'S3_ENDPOINT',
  'S3_PUBLIC_ENDPOINT',
  'S3_BUCKET',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'CDN_URL',
  'CDN_PURGE_URLS',
] as const;
// The API hands out upload targets on the store and photo URLs on the edge; workers read and
// write the store and purge the edge (deleting a post's objects); the web tier's CSP names both.
const STAGE5_API = [...BALANCED, 'CORS_ORIGINS', ...OBJECT_STORE] as const;
const STAGE5_WEB = [...BALANCED, 'S3_PUBLIC_ENDPOINT', 'CDN_URL'] as const;
// Stage 6: the API reads through the cache and merges timelines; workers invalidate what their
// jobs change (a post becoming ready) and fan posts out. The web tier opens no Redis (a web-only
// process composes nothing), but gets the address too: CACHE=redis or TIMELINES=on in the
// environment is refused by every process's configuration without it.
const STAGE6_API = [...STAGE5_API, 'REDIS_URL'] as const;
const STAGE6_WEB = [...STAGE5_WEB, 'REDIS_URL'] as const;
// Stage 6 part 2: the API's SELECTs may go to the replica (read-your-writes keeps a user's own
// writes on the primary until the replica has them). Workers write, and realtime processes read
// little, so they stay on the primary; with REDIS_URL their QUEUE and PUBSUB resolve to bullmq
// and redis by themselves (packages/platform/src/config.ts).
const STAGE6_READS = [...STAGE6_API, 'DATABASE_REPLICA_URLS'] as const;

const single = (stage: number, database: boolean): StageTopology => ({
  stage,
  database,
  apiPortOffset: 0,
  firstStartsAlone: false,
  groups: [{ name: 'all', roles: EVERY_ROLE, instances: 1, listen: 'web', settings: ['DATABASE_URL'] }],
  balancers: [],
});

/**
 * Stages 5 and up: API, web and worker tiers behind their balancers, photos in the object store
 * behind the edge; `api` settings go to the API and worker processes, `web` to the web tier.
 */
function objectStorageStage(
  stage: number,
  api: readonly StageSetting[],
  web: readonly StageSetting[],
): StageTopology {
  return {
    stage,
    database: true,
    apiPortOffset: 1,
    firstStartsAlone: true,
    groups: [
      { name: 'api', roles: ['api', 'realtime'], instances: { scale: 'api' }, listen: 'free', settings: api },
      { name: 'web', roles: ['web'], instances: { scale: 'web' }, listen: 'free', settings: web },
      // The worker tier: any number of processes sharing the queue.
      { name: 'worker', roles: ['worker'], instances: { scale: 'worker' }, listen: 'free', settings: api },
    ],
    balancers: [
      { name: 'lb-api', listen: 'api', upstream: 'api', websockets: true },
      { name: 'lb-web', listen: 'web', upstream: 'web', websockets: false },
    ],
    objectStore: { name: 'object-store', listen: 'store' },
    edge: { name: 'edge', listen: 'cdn' },
  };
}

/** The stages `graminsta up` runs on loopback. */
export const STAGES: readonly StageTopology[] = [
  single(1, false),
  single(2, true),
  {
    stage: 3,
    database: true,
    apiPortOffset: 1,
    firstStartsAlone: false,
    groups: [
      {
        name: 'api',
        roles: ['api', 'worker', 'realtime', 'storage'],
        instances: 1,
        listen: 'api',
        settings: API_SETTINGS,
      },
      { name: 'web', roles: ['web'], instances: 1, listen: 'web', settings: ['PUBLIC_API_URL'] },
    ],
    balancers: [],
  },
  {
    stage: 4,
    database: true,
    apiPortOffset: 1,
    firstStartsAlone: true,
    groups: [
      {
        name: 'api',
        roles: ['api', 'realtime'],
        instances: { scale: 'api' },
        listen: 'free',
        settings: BALANCED_API,
      },
      { name: 'web', roles: ['web'], instances: { scale: 'web' }, listen: 'free', settings: BALANCED },
      // Two storage instances on the one blob folder: uploads and downloads survive losing one.
      { name: 'storage', roles: ['storage'], instances: 2, listen: 'free', settings: BALANCED_API },
      { name: 'worker', roles: ['worker'], instances: 1, listen: 'free', settings: BALANCED_API },
    ],
    balancers: [
      { name: 'lb-api', listen: 'api', upstream: 'api', storage: 'storage', websockets: true },
      { name: 'lb-web', listen: 'web', upstream: 'web', websockets: false },
    ],
  },
  objectStorageStage(5, STAGE5_API, STAGE5_WEB),
  stage6(),
];

/**
 * Stage 5 plus Redis (the cache with its L1, the home timelines, BullMQ's queue and the realtime
 * fan-out), a PostgreSQL primary with a streaming replica, and the realtime tier as processes of
 * its own: the API's balancer sends /ws to them, on open connections.
 */
function stage6(): StageTopology {
  const five = objectStorageStage(6, STAGE6_API, STAGE6_WEB);
  const groups = five.groups.map((g) =>
    g.name === 'api' ? { ...g, roles: ['api'] as const, settings: STAGE6_READS } : g,
  );
  const realtime: ProcessGroup = {
    name: 'realtime',
    roles: ['realtime'],
    instances: { scale: 'realtime' },
    listen: 'free',
    settings: STAGE6_API,
  };
  return {
    ...five,
    groups: [...groups, realtime],
    balancers: five.balancers.map((b) =>
      b.name === 'lb-api' ? { ...b, websocketsUpstream: 'realtime' } : b,
    ),
    redis: { name: 'redis' },
    postgres: { primary: 'postgres-primary', replica: 'postgres-replica' },
  };
}

/** `graminsta up`'s instance counts for groups that scale, when no flag says otherwise. */
export const DEFAULT_SCALE: Record<Scale, number> = { api: 3, web: 2, worker: 2, realtime: 2 };

export function stageTopology(stage: number): StageTopology {
  const found = STAGES.find((s) => s.stage === stage);
  if (!found) throw new Error(`stage ${stage} is not available yet (1–${STAGES.length})`);
  return found;
}

export function instanceCount(group: ProcessGroup, scale: Record<Scale, number>): number {
  return typeof group.instances === 'number' ? group.instances : scale[group.instances.scale];
}

/** The process names of a group, in start order. */
export function instanceNames(group: ProcessGroup, scale: Record<Scale, number>): string[] {
  return Array.from({ length: instanceCount(group, scale) }, (_, i) => `${group.name}-${i + 1}`);
}

export interface StageAddresses {
  host: string;
  urls: FrontUrls;
  databaseUrl?: string;
  /** Stage 5: the object store's bucket and keys (s3rver's own account locally). */
  objectStore?: { bucket: string; accessKeyId: string; secretAccessKey: string };
  /** Stage 5: where the edge takes purges. */
  purgeUrl?: string;
  /** Stage 6: the Redis the supervisor started. */
  redisUrl?: string;
  /** Stage 6: the replicas' addresses (the supervisor's own, or the operator's). */
  replicaUrls?: string[];
}

/** Each front's port, from the stage's first (web) port: api next to it, then store and cdn. */
export function frontPort(topology: StageTopology, front: Front, webPort: number): number {
  const offset = { web: 0, api: topology.apiPortOffset, store: 2, cdn: 3 }[front];
  return webPort + offset;
}

export function frontUrls(topology: StageTopology, host: string, webPort: number): FrontUrls {
  const url = (front: Front) => `http://${host}:${frontPort(topology, front, webPort)}`;
  const urls: FrontUrls = { web: url('web'), api: url('api') };
  if (topology.objectStore) urls.store = url('store');
  if (topology.edge) urls.cdn = url('cdn');
  return urls;
}

/** The environment a group's processes get on top of the supervisor's own. */
export function settingsEnv(group: ProcessGroup, at: StageAddresses): Record<string, string> {
  const value: Record<StageSetting, string | undefined> = {
    DATABASE_URL: at.databaseUrl,
    PUBLIC_API_URL: at.urls.api,
    PUBLIC_WEB_URL: at.urls.web,
    CORS_ORIGINS: at.urls.web,
    PUBLIC_STORAGE_URL: at.urls.api,
    TRUSTED_PROXIES: at.host,
    S3_ENDPOINT: at.urls.store,
    // Browsers reach the store on the same loopback address the processes do.
    S3_PUBLIC_ENDPOINT: at.urls.store,
    S3_BUCKET: at.objectStore?.bucket,
    S3_ACCESS_KEY_ID: at.objectStore?.accessKeyId,
    S3_SECRET_ACCESS_KEY: at.objectStore?.secretAccessKey,
    CDN_URL: at.urls.cdn,
    CDN_PURGE_URLS: at.purgeUrl,
    REDIS_URL: at.redisUrl,
    DATABASE_REPLICA_URLS: at.replicaUrls?.length ? at.replicaUrls.join(',') : undefined,
  };
  const env: Record<string, string> = {};
  for (const key of group.settings) {
    const v = value[key];
    if (v !== undefined) env[key] = v;
  }
  return env;
}
