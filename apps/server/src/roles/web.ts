import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { KERNEL } from '../http/kernel.ts';
import { webPlugin } from '../web/web.plugin.ts';
import type { StandaloneRole } from './role.ts';

/** The built web client and its runtime config; no database. */
export const webRole = {
  name: 'web',
  composed: false,
  http: fp(
    async (app: FastifyInstance) => {
      await app.register(webPlugin, { config: app.runtime.config });
    },
    { name: 'graminsta-role-web', dependencies: [KERNEL], encapsulate: true },
  ),
} satisfies StandaloneRole;
