import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fp from 'fastify-plugin';

// A year; no includeSubDomains, since other hosts of the domain are not ours to promise.
const HSTS = 'max-age=31536000';

/** Headers on every answer of every role (errors included), CORS for the configured origins, cookies. */
export const securityPlugin = fp(
  async (app) => {
    const { config, instanceId, urls } = app.runtime;
    const hsts = urls.https.api || urls.https.web;
    app.addHook('onRequest', async (request, reply) => {
      void reply.header('x-served-by', instanceId);
      void reply.header('x-request-id', request.id);
      // Set before any handler runs, so error answers carry them too.
      void reply.header('x-content-type-options', 'nosniff');
      if (hsts) void reply.header('strict-transport-security', HSTS);
    });

    const corsOrigins = new Set(config.CORS_ORIGINS);
    await app.register(fastifyCors, {
      origin: (origin, cb) => cb(null, origin !== undefined && corsOrigins.has(origin)),
      credentials: true,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id'],
      exposedHeaders: ['x-served-by', 'x-request-id'],
      maxAge: 600,
    });
    await app.register(fastifyCookie);
  },
  { name: 'graminsta-security', decorators: { fastify: ['runtime'] } },
);
