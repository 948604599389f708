import type { FastifyInstance } from 'fastify';
import type { Composition } from '../compose.ts';
import { createHttpKernel } from '../http/kernel.ts';
import type { RuntimeContext } from '../runtime.ts';
import type { RoleModule } from './role.ts';

/**
 * The process's one HTTP listener: the kernel (health, readiness, metrics — so a worker-only
 * process answers probes too), then each role's routes in the declared order.
 */
export async function buildHttp(
  runtime: RuntimeContext,
  roles: readonly RoleModule[],
  comp: Composition | null,
): Promise<FastifyInstance> {
  const app = await createHttpKernel(runtime, { checkReady: async () => comp?.database.ping() });
  for (const role of roles) {
    if (!role.http) continue;
    if (role.composed) await app.register(role.http, { comp: composedFor(role, comp) });
    else await app.register(role.http);
  }
  return app;
}

/** The composition a role needs; the caller composes whenever a composed role runs. */
export function composedFor(role: RoleModule, comp: Composition | null): Composition {
  if (!comp) throw new Error(`the ${role.name} role needs the database, queue and services`);
  return comp;
}
