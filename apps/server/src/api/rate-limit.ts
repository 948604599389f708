import type { FastifyInstance } from 'fastify';
import type { RateLimits } from '@graminsta/core';
import './route-config.ts';

/**
 * Counts a request against its route's `config.rateLimit`, per signed-in account and per client
 * address. Registered after the auth hook (it needs the user id); `request.ip` believes
 * X-Forwarded-For only from TRUSTED_PROXIES, so a forged header cannot reset the address budget.
 */
export function registerRateLimits(app: FastifyInstance, limits: RateLimits): void {
  app.addHook('preHandler', async (request) => {
    const name = request.routeOptions.config.rateLimit;
    if (!name) return;
    await limits.consume(name, { userId: request.userId, ip: request.ip });
  });
}
