import Fastify, { type FastifyInstance } from 'fastify';
import type { RuntimeContext } from '../runtime.ts';
import { listenerBounds } from './bounds.ts';
import { registerMetricsRoute } from './metrics.ts';

/**
 * METRICS_PORT: /metrics on a listener of its own, so the public port has none. It keeps the
 * same bounds and the same METRICS_ALLOW rule as the main listener.
 */
export function buildMetricsListener(runtime: RuntimeContext): FastifyInstance {
  const { config, logger } = runtime;
  const app = Fastify({
    loggerInstance: logger,
    ...listenerBounds(config),
    trustProxy: runtime.trustProxy,
  }) as unknown as FastifyInstance;
  app.server.on('error', (err) => logger.error({ err }, 'metrics listener error'));
  registerMetricsRoute(app, runtime.metrics, config.METRICS_ALLOW);
  return app;
}
