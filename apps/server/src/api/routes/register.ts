import type { FastifyContextConfig, FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ErrorBody, endpoints, type Auth, type Endpoint, type EndpointName } from '@graminsta/contracts';
import type { Services } from '@graminsta/core';
import { clearSessionCookie, requireUser, setSessionCookie } from '../auth.ts';
import type { Call } from './handler.ts';
import { handlers } from './handlers.ts';

export interface EndpointOptions {
  services: Services;
  secureCookies: boolean;
}

/** The Fastify schema of a table entry: zod validates its input and parses its answers. */
function routeSchema(e: Endpoint): Record<string, unknown> {
  const response: Record<number, z.ZodType> = { [e.status]: e.response };
  for (const status of Object.keys(e.errors ?? {})) response[Number(status)] = ErrorBody;
  const input = { params: e.params, querystring: e.query, body: e.body };
  return {
    ...Object.fromEntries(Object.entries(input).filter(([, schema]) => schema !== undefined)),
    response,
  };
}

/** The route of a table entry, all but its handler; the hooks read `auth` and `rateLimit` from its config. */
export function routeOf(e: Endpoint) {
  return {
    method: e.method,
    url: e.path,
    schema: routeSchema(e),
    config: { auth: e.auth, rateLimit: e.rateLimit } satisfies FastifyContextConfig,
  };
}

// The auth hook has run: on a 'required' endpoint it refused a request without a caller.
function callerOf(request: FastifyRequest, auth: Auth) {
  if (auth === 'none') return { userId: null, sessionToken: null };
  if (auth === 'optional') return { userId: request.userId, sessionToken: request.sessionToken };
  return { userId: requireUser(request), sessionToken: request.sessionToken };
}

/** One Fastify route per entry of the endpoint table, served by its handler with the entry's status. */
export function registerEndpoints(app: FastifyInstance, opts: EndpointOptions): void {
  for (const [name, e] of Object.entries(endpoints) as [EndpointName, Endpoint][]) {
    // Each handler is typed against its own entry; zod has validated the request against that
    // same entry before the handler runs, so the one loop may hand it the request untyped.
    const handler = handlers[name] as unknown as (call: Call<EndpointName>) => Promise<unknown>;
    app.route({
      ...routeOf(e),
      handler: async (request, reply) => {
        const call = {
          ...callerOf(request, e.auth),
          params: request.params,
          query: request.query,
          body: request.body,
          // Read only by the handlers that need it: behind a balancer each read walks the proxy chain.
          get ip() {
            return request.ip;
          },
          userAgent: request.headers['user-agent'] ?? '',
          services: opts.services,
          cookie: {
            set: (token: string) => setSessionCookie(reply, token, opts.secureCookies),
            clear: () => clearSessionCookie(reply),
          },
        } as Call<EndpointName>;
        const answer = await handler(call);
        return reply.code(e.status).send(answer);
      },
    });
  }
}
