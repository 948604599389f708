import fp from 'fastify-plugin';
import { countSocketBytes } from './metrics-bytes.ts';
import { observeRequests, registerMetricsRoute } from './metrics.ts';
import { buildMetricsListener } from './metrics-listener.ts';

/** Every answer counted, and the listener's socket bytes; /metrics on this listener, or on METRICS_PORT's own when one is set. */
export const metricsPlugin = fp(
  async (app) => {
    const { config, metrics } = app.runtime;
    observeRequests(app, metrics);
    countSocketBytes(app.server, metrics.registry);
    if (config.METRICS_PORT === 0) return registerMetricsRoute(app, metrics, config.METRICS_ALLOW);
    const metricsApp = buildMetricsListener(app.runtime);
    app.addHook('onReady', async () => {
      await metricsApp.listen({ host: config.HOST, port: config.METRICS_PORT });
    });
    app.addHook('onClose', async () => metricsApp.close());
  },
  { name: 'graminsta-metrics', decorators: { fastify: ['runtime'] } },
);
