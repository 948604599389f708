import type { Logger } from 'pino';
import { loadConfig } from '@graminsta/platform';
import { compose, type ComposeOptions } from './compose.ts';
import { startControl } from './control/start-control.ts';
import { buildHttp, composedFor } from './roles/http.ts';
import { rolesToRun } from './roles/registry.ts';
import type { RoleModule, Running } from './roles/role.ts';
import { createRuntime, type RuntimeContext } from './runtime.ts';

export interface RunningServer {
  /** Where clients reach this deployment (PUBLIC_API_URL, or this process). */
  url: string;
  /** Where this process itself listens. */
  listenUrl: string;
  logger: Logger;
  /** Graceful: not-ready, stop taking connections, finish in-flight work, close pools. */
  stop(): Promise<void>;
}

/** `graminsta start`: the roles the configuration names, with the runtime context made from it. */
export function startServer(env: Record<string, string | undefined> = process.env): Promise<RunningServer> {
  const runtime = createRuntime(loadConfig(env));
  return startRoles(runtime, rolesToRun(runtime.config.roles));
}

/**
 * The composition (if a role needs the database), each role's background work and routes in the
 * given order, then listen. Everything started is stopped in reverse: HTTP (the gateway's sockets,
 * then the drain), control socket, worker, composition.
 */
export async function startRoles(
  runtime: RuntimeContext,
  roles: readonly RoleModule[],
  composeOpts: ComposeOptions = {},
): Promise<RunningServer> {
  const { config, logger } = runtime;
  const started: Running[] = [];

  const onBackgroundError = (err: unknown) => logger.warn({ err }, 'live event not pushed');
  // The web tier serves files only: it needs no database, queue or pub/sub.
  const comp = roles.some((r) => r.composed)
    ? await compose(runtime, { onBackgroundError, ...composeOpts })
    : null;
  if (comp) started.push({ stop: () => comp.close() });

  for (const role of roles) {
    if (!role.start) continue;
    started.push(
      role.composed ? await role.start(runtime, composedFor(role, comp)) : await role.start(runtime),
    );
  }

  const control = comp ? await startControl(comp, logger) : null;
  if (control) started.push({ stop: () => control.close() });

  const http = await buildHttp(runtime, roles, comp);
  started.push({ stop: () => http.close() });
  await http.listen({ host: config.HOST, port: config.PORT });
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const listenUrl = runtime.urls.self(port);
  control?.announce(listenUrl);
  comp?.announceListenUrl(listenUrl);

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      http.draining = true;
      for (const running of started.reverse()) await running.stop();
    })());
  return { url: runtime.urls.api(port), listenUrl, logger, stop };
}
