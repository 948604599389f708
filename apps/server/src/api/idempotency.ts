import type { FastifyInstance } from 'fastify';
import { IdempotencyService } from '@graminsta/core';

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { userId: string; key: string } | null;
  }
}

// Sign-up and log-in answers hold session tokens, which are never stored: those two stay out.
const EXEMPT = new Set(['/api/v1/accounts', '/api/v1/sessions']);

/** POSTs with an Idempotency-Key return their first answer on retry, and apply once. */
export function registerIdempotency(app: FastifyInstance, idempotency: IdempotencyService): void {
  app.decorateRequest('idempotency', null);

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
    request.idempotency = { userId: request.userId, key };
    return undefined;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency;
    if (!claim) return payload;
    request.idempotency = null;
    await idempotency.finish(
      claim.userId,
      claim.key,
      reply.statusCode,
      typeof payload === 'string' ? payload : '',
    );
    return payload;
  });
}
