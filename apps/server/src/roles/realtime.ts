import fp from 'fastify-plugin';
import type { Composition } from '../compose.ts';
import { KERNEL } from '../http/kernel.ts';
import { RealtimeGateway } from '../realtime/gateway.ts';
import type { ComposedRole } from './role.ts';

/** /ws sockets on the process's listener, fed from the pub/sub port. */
export const realtimeRole = {
  name: 'realtime',
  composed: true,
  http: fp<{ comp: Composition }>(
    async (app, { comp }) => {
      const { logger, originTrust, trustProxy, metrics } = app.runtime;
      const gateway = new RealtimeGateway({
        accounts: comp.services.accounts,
        events: comp.services.events,
        logger,
        trustedOrigin: originTrust,
        trustProxy,
        presence: comp.presence,
        onDelivered: (seconds) => {
          metrics.realtimeDeliveries.inc();
          metrics.realtimeDelivery.observe(seconds);
        },
      });
      metrics.realtimeCounts = () => gateway.counts();
      gateway.attach(app.server);
      // Before the listener closes: it would otherwise wait for every open socket.
      app.addHook('preClose', () => gateway.close());
    },
    { name: 'graminsta-role-realtime', dependencies: [KERNEL], encapsulate: true },
  ),
} satisfies ComposedRole;
