import type { FastifyInstance } from 'fastify';
import type { Services } from '@graminsta/core';
import { registerAuth } from './auth.ts';
import type { OriginTrust } from '../http/origins.ts';
import './route-config.ts';
import { registerIdempotency } from './idempotency.ts';
import { registerRateLimits } from './rate-limit.ts';
import { accountRoutes } from './routes/accounts.routes.ts';
import { feedRoutes } from './routes/feed.routes.ts';
import { photoRoutes } from './routes/photos.routes.ts';
import { userRoutes } from './routes/users.routes.ts';

export interface ApiOptions {
  services: Services;
  secureCookies: boolean;
  trustedOrigin: OriginTrust;
  openApi: () => unknown;
}

/** The JSON API under /api/v1. Load order: auth hook, then the routes that rely on it. */
export async function apiPlugin(app: FastifyInstance, opts: ApiOptions): Promise<void> {
  // The API speaks JSON only: any other body type is a 415, not a confusing 400.
  app.removeContentTypeParser('text/plain');
  registerAuth(app, {
    accounts: opts.services.accounts,
    // The raw Host header, not request.host: that follows X-Forwarded-Host from a trusted proxy.
    trustedOrigins: (origin, request) => opts.trustedOrigin(origin, request.headers.host, request.protocol),
  });
  // After auth (per-account budgets need the user), before idempotency claims a key.
  registerRateLimits(app, opts.services.limits);
  registerIdempotency(app, opts.services.idempotency);
  await app.register(
    async (v1) => {
      await v1.register(accountRoutes, { services: opts.services, secureCookies: opts.secureCookies });
      await v1.register(userRoutes, { services: opts.services });
      await v1.register(photoRoutes, { services: opts.services });
      await v1.register(feedRoutes, { services: opts.services });
    },
    { prefix: '/api/v1' },
  );
  app.get('/api/openapi.json', { logLevel: 'warn', config: { auth: 'none' } }, async () => opts.openApi());
}
