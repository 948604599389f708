import { ConfigError } from '@graminsta/platform';
import { DEFAULT_SCALE } from '@graminsta/topology';
import { StageSupervisor } from '../supervisor/up.ts';

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
  },
): Promise<number> {
  const stage = positiveInt('stage', flags.stage, 1);
  const supervisor = new StageSupervisor({
    stage,
    port: positiveInt('port', flags.port ?? env.PORT, 3000),
    scale: {
      api: positiveInt('api', flags.api, DEFAULT_SCALE.api),
      web: positiveInt('web', flags.web, DEFAULT_SCALE.web),
      worker: positiveInt('workers', flags.workers, DEFAULT_SCALE.worker),
      realtime: positiveInt('realtime', flags.realtime, DEFAULT_SCALE.realtime),
    },
    replicaDelayMs: nonNegativeInt('replica-delay-ms', flags['replica-delay-ms'], 0),
    dataDir: env.DATA_DIR ?? './data',
    databaseUrl: env.DATABASE_URL,
    replicaUrls: env.DATABASE_REPLICA_URLS,
    env,
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
