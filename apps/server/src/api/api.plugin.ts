import type { FastifyInstance } from 'fastify';
import type { Services } from '@graminsta/core';
import { registerAuth } from './auth.ts';
import type { OriginTrust } from '../http/origins.ts';
import './route-config.ts';
import { registerIdempotency } from './idempotency.ts';
import { registerRateLimits } from './rate-limit.ts';
import { registerEndpoints } from './routes/register.ts';
import { registerExportDownload } from './routes/export-download.ts';

export interface ApiOptions {
  services: Services;
  secureCookies: boolean;
  trustedOrigin: OriginTrust;
  openApi: () => unknown;
}

/** The JSON API under /api/v1, one route per endpoint of the table. Load order: hooks, then routes. */
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
  // Idempotency wraps the handler of each POST route as it is added, so the routes come after.
  registerEndpoints(app, { services: opts.services, secureCookies: opts.secureCookies });
  registerExportDownload(app, opts.services);
  app.get('/api/openapi.json', { logLevel: 'warn', config: { auth: 'none' } }, async () => opts.openApi());
}
