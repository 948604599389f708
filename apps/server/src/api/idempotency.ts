import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import { endpoints } from '@graminsta/contracts';
import { IdempotencyService } from '@graminsta/core';
import { withCommitGuard } from '@graminsta/platform';

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { userId: string; key: string; attempt: string } | null;
  }
}

// Sign-up and log-in answers hold session tokens, which are never stored: those two stay out.
const EXEMPT = new Set<string>([endpoints.signUp.path, endpoints.logIn.path]);

/**
 * POSTs with an Idempotency-Key return their first answer on retry, and apply once: the key is
 * claimed before the handler runs, the handler's transactions commit only while this try still
 * holds it (a retry may take over the key of a try that died mid-way), and the answer is stored.
 */
export function registerIdempotency(app: FastifyInstance, idempotency: IdempotencyService): void {
  app.decorateRequest('idempotency', null);

  // The guard must be in force for the whole handler, so it wraps the handler itself: a value
  // set from a hook would not reach code that runs after the request body has been read.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.includes('POST')) return;
    const handler = route.handler;
    const guarded: RouteHandlerMethod = function (request, reply) {
      const claim = request.idempotency;
      if (!claim) return handler.call(this, request, reply);
      const guard = idempotency.guard(claim.userId, claim.key, claim.attempt);
      // Async handlers all; a plain value is awaited the same way.
      return withCommitGuard(guard, async () => handler.call(this, request, reply));
    };
    route.handler = guarded;
  });

  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || typeof key !== 'string' || !request.userId) return;
    const route = request.routeOptions.url ?? '';
    if (EXEMPT.has(route)) return;
    const hash = IdempotencyService.hashRequest(request.method, request.url, request.body);
    const start = await idempotency.begin(request.userId, key, hash);
    if (start.kind === 'replay') {
      return reply
        .code(start.statusCode)
        .header('content-type', 'application/json; charset=utf-8')
        .header('idempotent-replayed', 'true')
        .send(start.body);
    }
    request.idempotency = { userId: request.userId, key, attempt: start.attempt };
    return undefined;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency;
    if (!claim) return payload;
    request.idempotency = null;
    await idempotency.finish(
      claim.userId,
      claim.key,
      claim.attempt,
      reply.statusCode,
      typeof payload === 'string' ? payload : '',
    );
    return payload;
  });
}
