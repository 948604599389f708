import fp from 'fastify-plugin';

export interface HealthOptions {
  /** Dependencies reachable? Throws when not (a process with no database has none to check). */
  checkReady: () => Promise<void>;
}

/** /healthz: the process answers. /readyz: it should be sent traffic (not draining, dependencies up). */
export const healthPlugin = fp<HealthOptions>(
  async (app, opts) => {
    app.get('/healthz', { logLevel: 'warn' }, async () => ({ ok: true }));
    app.get('/readyz', { logLevel: 'warn' }, async (request, reply) => {
      if (app.draining) return reply.code(503).send({ ok: false, reason: 'draining' });
      try {
        await opts.checkReady();
        return { ok: true };
      } catch (err) {
        request.log.warn({ err }, 'not ready');
        return reply.code(503).send({ ok: false, reason: 'dependency unreachable' });
      }
    });
  },
  { name: 'graminsta-health', decorators: { fastify: ['draining'] } },
);
