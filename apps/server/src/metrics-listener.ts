import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '@graminsta/platform';
import type { Logger } from 'pino';
import { registerMetricsRoute, type Metrics } from './api/metrics.ts';
import { listenerBounds } from './http-bounds.ts';
import { compileTrust } from './net/client-address.ts';

/**
 * METRICS_PORT: /metrics on a listener of its own, so the public port has none. It keeps the
 * same bounds and the same METRICS_ALLOW rule as the main listener.
 */
export function buildMetricsListener(config: Config, metrics: Metrics, logger: Logger): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger,
    ...listenerBounds(config),
    trustProxy: compileTrust(config.TRUSTED_PROXIES),
  }) as unknown as FastifyInstance;
  app.server.on('error', (err) => logger.error({ err }, 'metrics listener error'));
  registerMetricsRoute(app, metrics, config.METRICS_ALLOW);
  return app;
}
