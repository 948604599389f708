import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { loadConfig, type Config, type Role } from '@graminsta/platform';
import { Metrics } from './api/metrics.ts';
import { originTrust } from './api/origins.ts';
import { compose, instanceIdOf, publicApiUrl, type Composition } from './compose.ts';
import { startControl } from './control/start-control.ts';
import { buildHttpServer } from './http.ts';
import { createLogger } from './logger.ts';
import { compileTrust } from './net/client-address.ts';
import { RealtimeGateway } from './realtime/gateway.ts';
import { startWorker, type Worker } from './worker/worker.ts';

export interface RunningServer {
  /** Where clients reach this deployment (PUBLIC_API_URL, or this process). */
  url: string | null;
  /** Where this process itself listens. */
  listenUrl: string | null;
  /** Null for a web-only process. */
  comp: Composition | null;
  http: (FastifyInstance & { draining: boolean }) | null;
  logger: Logger;
  /** Graceful: not-ready, stop taking connections, finish in-flight work, close pools. */
  stop(): Promise<void>;
}

// A worker-only process still answers /healthz, /readyz and /metrics.
const HTTP_ROLES: Role[] = ['api', 'storage', 'web', 'realtime', 'worker'];

export async function startServer(
  env: Record<string, string | undefined> = process.env,
): Promise<RunningServer> {
  const config: Config = loadConfig(env);
  const metrics = new Metrics();
  const roles = config.roles;
  const instanceId = instanceIdOf(config);
  const logger = createLogger(config.LOG_LEVEL, instanceId);
  const onBackgroundError = (err: unknown) => logger.warn({ err }, 'live event not pushed');
  // The web tier serves files only: it needs no database, queue or pub/sub.
  const comp = roles.every((r) => r === 'web') ? null : await compose(config, metrics, { onBackgroundError });

  let worker: Worker | null = null;
  if (comp && roles.includes('worker')) worker = await startWorker(comp, logger);

  let http: RunningServer['http'] = null;
  let gateway: RealtimeGateway | null = null;
  let url: string | null = null;
  let listenUrl: string | null = null;
  if (roles.some((r) => HTTP_ROLES.includes(r))) {
    http = await buildHttpServer({
      config,
      roles,
      services: comp?.services ?? null,
      metrics,
      logger,
      instanceId,
      storage: {
        store: roles.includes('storage') ? (comp?.localStore ?? null) : null,
        secret: comp?.secret ?? '',
      },
      checkReady: async () => comp?.database.ping(),
    });
    if (comp && roles.includes('realtime')) {
      gateway = new RealtimeGateway({
        accounts: comp.services.accounts,
        events: comp.services.events,
        logger,
        trustedOrigin: originTrust(config),
        trustProxy: compileTrust(config.TRUSTED_PROXIES),
      });
      gateway.attach(http.server);
    }
    await http.listen({ host: config.HOST, port: config.PORT });
    const address = http.server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    url = publicApiUrl(config, port);
    listenUrl = publicApiUrl({ ...config, PUBLIC_API_URL: undefined }, port);
  }

  const control = comp ? await startControl(comp, listenUrl, logger) : null;

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      if (http) http.draining = true;
      await gateway?.close();
      await http?.close();
      await control?.close();
      await worker?.stop();
      await comp?.close();
    })());
  return { url, listenUrl, comp, http, logger, stop };
}

export { publicApiUrl };
