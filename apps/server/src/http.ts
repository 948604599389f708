import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config, Role } from '@graminsta/platform';
import type { Services } from '@graminsta/core';
import type { Logger } from 'pino';
import { apiPlugin } from './api/api.plugin.ts';
import { registerErrorHandling } from './api/errors.ts';
import { observeRequests, registerMetricsRoute, type Metrics } from './api/metrics.ts';
import { openApiDocument } from './api/openapi.ts';
import { originTrust } from './api/origins.ts';
import { storagePlugin, type StorageOptions } from './storage/storage.plugin.ts';
import { listenerBounds } from './http-bounds.ts';
import { buildMetricsListener } from './metrics-listener.ts';
import { compileTrust } from './net/client-address.ts';
import { webPlugin } from './web/web.plugin.ts';

export interface HttpOptions {
  config: Config;
  roles: Role[];
  /** Null in a process that runs no api role (the web tier). */
  services: Services | null;
  metrics: Metrics;
  logger: Logger;
  instanceId: string;
  storage: StorageOptions;
  /** Dependencies reachable? Throws when not. */
  checkReady: () => Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
// A year; no includeSubDomains, since other hosts of the domain are not ours to promise.
const HSTS = 'max-age=31536000';

const isHttps = (url: string | undefined) => url?.startsWith('https:') ?? false;

/** One Fastify instance serving the HTTP side of the roles this process runs. */
export async function buildHttpServer(opts: HttpOptions): Promise<FastifyInstance & { draining: boolean }> {
  const app = Fastify({
    loggerInstance: opts.logger,
    bodyLimit: 64 * 1024,
    // Header size and time, whole-request time, idle and keep-alive time (http-bounds.ts).
    ...listenerBounds(opts.config),
    // X-Forwarded-* only from the configured balancers (net/client-address.ts).
    trustProxy: compileTrust(opts.config.TRUSTED_PROXIES),
    // Keep an upstream balancer's request id so one request can be followed across tiers.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    requestIdHeader: false,
  }) as unknown as FastifyInstance;
  const state = app as FastifyInstance & { draining: boolean };
  state.draining = false;
  // Bad client bytes are Fastify's clientErrorHandler's (400/408/431, that socket only); this is the rest.
  app.server.on('error', (err) => opts.logger.error({ err }, 'http server error'));

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  const openApi = openApiDocument({ title: 'Graminsta API', version: '1.0.0' });

  const hsts = isHttps(opts.config.PUBLIC_API_URL) || isHttps(opts.config.PUBLIC_WEB_URL);
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-served-by', opts.instanceId);
    void reply.header('x-request-id', request.id);
    // Set before any handler runs, so error answers carry them too.
    void reply.header('x-content-type-options', 'nosniff');
    if (hsts) void reply.header('strict-transport-security', HSTS);
  });

  const corsOrigins = new Set(opts.config.CORS_ORIGINS);
  await app.register(fastifyCors, {
    origin: (origin, cb) => cb(null, origin !== undefined && corsOrigins.has(origin)),
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id'],
    exposedHeaders: ['x-served-by', 'x-request-id'],
    maxAge: 600,
  });
  await app.register(fastifyCookie);

  app.get('/healthz', { logLevel: 'warn' }, async () => ({ ok: true }));
  app.get('/readyz', { logLevel: 'warn' }, async (_request, reply) => {
    if (state.draining) return reply.code(503).send({ ok: false, reason: 'draining' });
    try {
      await opts.checkReady();
      return { ok: true };
    } catch (err) {
      opts.logger.warn({ err }, 'not ready');
      return reply.code(503).send({ ok: false, reason: 'dependency unreachable' });
    }
  });
  observeRequests(app, opts.metrics);
  if (opts.config.METRICS_PORT > 0) {
    const metricsApp = buildMetricsListener(opts.config, opts.metrics, opts.logger);
    app.addHook('onReady', async () => {
      await metricsApp.listen({ host: opts.config.HOST, port: opts.config.METRICS_PORT });
    });
    app.addHook('onClose', async () => metricsApp.close());
  } else registerMetricsRoute(app, opts.metrics, opts.config.METRICS_ALLOW);

  const secureCookies = isHttps(opts.config.PUBLIC_API_URL);
  if (opts.roles.includes('api') && opts.services) {
    await app.register(apiPlugin, {
      services: opts.services,
      secureCookies,
      trustedOrigin: originTrust(opts.config),
      openApi,
    });
  }
  if (opts.roles.includes('storage')) {
    await app.register(storagePlugin, { ...opts.storage, uploads: opts.services?.photos ?? null });
  }
  if (opts.roles.includes('web')) await app.register(webPlugin, { config: opts.config });
  return state;
}
