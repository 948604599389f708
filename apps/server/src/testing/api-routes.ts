import Fastify, { type FastifyContextConfig, type RouteOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Services } from '@graminsta/core';
import { apiPlugin } from '../api/api.plugin.ts';

export interface DeclaredRoute {
  method: string;
  url: string;
  config: FastifyContextConfig;
  /** The zod schemas the route validates with (params, querystring, body, response). */
  schema: Record<string, unknown>;
}

/**
 * Every route the api plugin declares, with its config and schemas, read as Fastify registers
 * them. Registration only: no request is made, so `services` may be an empty object.
 */
export async function declaredApiRoutes(services: Services = {} as Services): Promise<DeclaredRoute[]> {
  const app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const routes: DeclaredRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD')
        routes.push({
          method,
          url: route.url,
          config: route.config ?? {},
          schema: (route.schema ?? {}) as Record<string, unknown>,
        });
    }
  });
  await app.register(apiPlugin, {
    services,
    secureCookies: false,
    trustedOrigin: () => false,
    openApi: () => ({}),
  });
  await app.ready();
  await app.close();
  return routes;
}
