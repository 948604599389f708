import { ConfigError } from '@graminsta/platform';
import { DEFAULT_SCALE, stageTopology, type Scale } from '@graminsta/topology';
import { StageSupervisor } from '../supervisor/up.ts';
import {
  parseRange,
  parseSchedule,
  type Bounds,
  type ScheduleWindow,
} from '../supervisor/autoscale-policy.ts';

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`--${name} must be a positive integer`);
  return n;
}

function nonNegativeInt(name: string, value: string | undefined, fallback: number): number {
  const n = value === undefined ? fallback : Number(value);
  // A day at most: a longer apply delay is a typo, and the replica would hold a day of WAL.
  if (!Number.isInteger(n) || n < 0 || n > 86_400_000)
    throw new ConfigError(`--${name} must be an integer from 0 to 86400000`);
  return n;
}

const SCALE_FLAGS: Record<Scale, 'api' | 'web' | 'workers' | 'realtime'> = {
  api: 'api',
  web: 'web',
  worker: 'workers',
  realtime: 'realtime',
};

/**
 * `--api 3` (fixed) or `--api 1..4` (autoscaled from 1 to 4): each tier's bounds, and the
 * `--schedule` windows, checked against the tiers that scale at this stage.
 */
export function scalingFlags(
  stage: number,
  flags: Partial<Record<'api' | 'web' | 'workers' | 'realtime', string>>,
  schedules: readonly string[] = [],
): { scale: Record<Scale, number>; bounds: Partial<Record<Scale, Bounds>>; schedule: ScheduleWindow[] } {
  const scaled = new Set(
    stageTopology(stage).groups.flatMap((g) => (typeof g.instances === 'number' ? [] : [g.instances.scale])),
  );
  const scale = { ...DEFAULT_SCALE };
  const bounds: Partial<Record<Scale, Bounds>> = {};
  for (const tier of Object.keys(SCALE_FLAGS) as Scale[]) {
    const flag = SCALE_FLAGS[tier];
    const given = flags[flag];
    if (given === undefined) continue;
    const range = parseRange(given);
    if (!range) throw new ConfigError(`--${flag} must be a count (3) or a range (1..4), from 1 to 32`);
    scale[tier] = range.min;
    if (range.max > range.min) {
      if (!scaled.has(tier))
        throw new ConfigError(`--${flag} ${given}: stage ${stage} has no ${flag} tier to autoscale`);
      bounds[tier] = range;
    }
  }
  const schedule: ScheduleWindow[] = [];
  for (const text of schedules) {
    const parsed = parseSchedule(text);
    if ('error' in parsed) throw new ConfigError(`--schedule "${text.slice(0, 60)}": ${parsed.error}`);
    for (const [tier, n] of Object.entries(parsed.raise) as [Scale, number][]) {
      const b = bounds[tier];
      if (!b)
        throw new ConfigError(
          `--schedule raises ${SCALE_FLAGS[tier]}, which has no range (--${SCALE_FLAGS[tier]} 1..4)`,
        );
      if (n > b.max)
        throw new ConfigError(`--schedule raises ${SCALE_FLAGS[tier]} to ${n}, above its maximum ${b.max}`);
    }
    schedule.push(parsed);
  }
  return { scale, bounds, schedule };
}

/** `graminsta up --stage N`: runs the stage in the foreground until SIGINT/SIGTERM. */
export async function runUp(
  env: Record<string, string | undefined>,
  flags: {
    stage?: string;
    api?: string;
    web?: string;
    workers?: string;
    realtime?: string;
    port?: string;
    'replica-delay-ms'?: string;
    monitor?: boolean;
    schedule?: string[];
  },
): Promise<number> {
  const stage = positiveInt('stage', flags.stage, 1);
  const scaling = scalingFlags(stage, flags, flags.schedule);
  const supervisor = new StageSupervisor({
    stage,
    port: positiveInt('port', flags.port ?? env.PORT, 3000),
    ...scaling,
    replicaDelayMs: nonNegativeInt('replica-delay-ms', flags['replica-delay-ms'], 0),
    dataDir: env.DATA_DIR ?? './data',
    databaseUrl: env.DATABASE_URL,
    replicaUrls: env.DATABASE_REPLICA_URLS,
    env,
    monitor: flags.monitor ?? false,
  });
  let stopping: Promise<void> | null = null;
  const stop = () => (stopping ??= supervisor.stop());
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  // SIGHUP: restart every instance, one at a time, without dropping a request to a balanced tier.
  let started = false;
  process.on('SIGHUP', () => {
    if (stopping || !started) return;
    supervisor
      .rollingRestart()
      .catch((err: unknown) => console.error(`Rolling restart failed: ${String(err)}`));
  });
  try {
    const topology = await supervisor.start();
    started = true;
    const { web, api, store, cdn } = topology.urls;
    const stage5 = store && cdn ? `  store ${store}  cdn ${cdn}` : '';
    const replicas = topology.postgres?.replicaUrls.length ?? 0;
    const stage6 = topology.redisUrl
      ? `  redis ${topology.redisUrl}${replicas ? `  postgres primary + ${replicas} replica(s)` : ''}`
      : '';
    console.log(`Graminsta stage ${stage} is ready: web ${web}  api ${api}${stage5}${stage6}`);
    if (topology.urls.prometheus) console.log(`Prometheus: ${topology.urls.prometheus}`);
    console.log(`Topology: ${supervisor.topologyFile}`);
    console.log(`Rolling restart: kill -HUP ${process.pid}. Stop: Ctrl-C.`);
  } catch (err) {
    await stop();
    throw err;
  }
  await new Promise<void>((resolve) => {
    const wait = setInterval(() => {
      if (stopping) {
        clearInterval(wait);
        void stopping.then(resolve);
      }
    }, 100);
  });
  console.log('Stopped.');
  return 0;
}
