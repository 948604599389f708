import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RuntimeContext } from '../runtime.ts';
import { listenerBounds } from './bounds.ts';
import { errorsPlugin } from './errors.ts';
import { healthPlugin, type HealthOptions } from './health.ts';
import { metricsPlugin } from './metrics.plugin.ts';
import { securityPlugin } from './security.ts';
import './state.ts';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The name role plugins list in their `dependencies`: the kernel is registered first. */
export const KERNEL = 'graminsta-kernel';

/**
 * The Fastify instance every HTTP role of a process shares: listener bounds, request ids, one
 * error handler, security headers and CORS, health and readiness, metrics. Roles add their routes.
 */
export async function createHttpKernel(
  runtime: RuntimeContext,
  health: HealthOptions,
): Promise<FastifyInstance> {
  const { config, logger } = runtime;
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: 64 * 1024,
    // Header size and time, whole-request time, idle and keep-alive time (bounds.ts).
    ...listenerBounds(config),
    // X-Forwarded-* only from the configured balancers (net/client-address.ts).
    trustProxy: runtime.trustProxy,
    // Keep an upstream balancer's request id so one request can be followed across tiers.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    requestIdHeader: false,
  }) as unknown as FastifyInstance;
  // Bad client bytes are Fastify's clientErrorHandler's (400/408/431, that socket only); this is the rest.
  app.server.on('error', (err) => logger.error({ err }, 'http server error'));
  await app.register(kernelPlugin, { runtime, health });
  return app;
}

const kernelPlugin = fp<{ runtime: RuntimeContext; health: HealthOptions }>(
  async (app, opts) => {
    app.decorate('runtime', opts.runtime);
    app.decorate('draining', false);
    await app.register(errorsPlugin);
    await app.register(securityPlugin);
    await app.register(healthPlugin, opts.health);
    await app.register(metricsPlugin);
  },
  { name: KERNEL },
);
