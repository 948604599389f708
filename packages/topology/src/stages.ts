import type { Role } from '@graminsta/platform';

/** The two listening addresses a stage offers: the web client's and the API's (the same in 1–2). */
export type Front = 'web' | 'api';

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
  | 'TRUSTED_PROXIES';

/** One kind of process in a stage, run as `graminsta start --roles …`, named `<name>-<n>`. */
export interface ProcessGroup {
  name: string;
  roles: readonly Role[];
  /** How many: a fixed number, or the `--api` / `--web` count of `graminsta up`. */
  instances: number | { scale: Front };
  /** Listens on a front's port itself, or on a free port behind a balancer. */
  listen: Front | 'free';
  settings: readonly StageSetting[];
}

/** One nginx process in front of a group (and, for the API, of storage under /storage/). */
export interface Balancer {
  name: string;
  listen: Front;
  upstream: string;
  storage?: string;
  /** Forwards WebSocket upgrades on /ws. */
  websockets: boolean;
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
}

const EVERY_ROLE = ['api', 'worker', 'realtime', 'storage', 'web'] as const;
const API_SETTINGS = ['DATABASE_URL', 'PUBLIC_API_URL', 'PUBLIC_WEB_URL', 'CORS_ORIGINS'] as const;
// Behind the balancers every request comes from loopback: instances believe their
// X-Forwarded-For only, so per-address limits count the real client.
const BALANCED = ['DATABASE_URL', 'PUBLIC_API_URL', 'PUBLIC_WEB_URL', 'TRUSTED_PROXIES'] as const;
const BALANCED_API = [...BALANCED, 'CORS_ORIGINS', 'PUBLIC_STORAGE_URL'] as const;

const single = (stage: number, database: boolean): StageTopology => ({
  stage,
  database,
  apiPortOffset: 0,
  firstStartsAlone: false,
  groups: [{ name: 'all', roles: EVERY_ROLE, instances: 1, listen: 'web', settings: ['DATABASE_URL'] }],
  balancers: [],
});

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
];

/** `graminsta up`'s instance counts for groups that scale, when no flag says otherwise. */
export const DEFAULT_SCALE: Record<Front, number> = { api: 3, web: 2 };

export function stageTopology(stage: number): StageTopology {
  const found = STAGES.find((s) => s.stage === stage);
  if (!found) throw new Error(`stage ${stage} is not available yet (1–${STAGES.length})`);
  return found;
}

export function instanceCount(group: ProcessGroup, scale: Record<Front, number>): number {
  return typeof group.instances === 'number' ? group.instances : scale[group.instances.scale];
}

/** The process names of a group, in start order. */
export function instanceNames(group: ProcessGroup, scale: Record<Front, number>): string[] {
  return Array.from({ length: instanceCount(group, scale) }, (_, i) => `${group.name}-${i + 1}`);
}

export interface StageAddresses {
  host: string;
  urls: Record<Front, string>;
  databaseUrl?: string;
}

export function frontUrls(topology: StageTopology, host: string, webPort: number): Record<Front, string> {
  return { web: `http://${host}:${webPort}`, api: `http://${host}:${webPort + topology.apiPortOffset}` };
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
  };
  const env: Record<string, string> = {};
  for (const key of group.settings) {
    const v = value[key];
    if (v !== undefined) env[key] = v;
  }
  return env;
}
