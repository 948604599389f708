import fp from 'fastify-plugin';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { compiledSerializerCompiler } from '../http/serializer.ts';
import type { Composition } from '../compose.ts';
import { apiPlugin } from '../api/api.plugin.ts';
import { openApiDocument } from '../api/openapi.ts';
import { KERNEL } from '../http/kernel.ts';
import { registerReadYourWrites } from '../http/read-your-writes.ts';
import type { ComposedRole } from './role.ts';

/** The JSON API under /api/v1, and its OpenAPI document. */
export const apiRole = {
  name: 'api',
  composed: true,
  http: fp<{ comp: Composition }>(
    async (app, { comp }) => {
      app.setValidatorCompiler(validatorCompiler);
      app.setSerializerCompiler(compiledSerializerCompiler);
      // Built from the endpoint table on first request, not from the registered routes.
      const openApi = openApiDocument({ title: 'Graminsta API', version: '1.0.0' });
      // Before the API's own hooks, so auth and the routes run inside the request's read scope.
      registerReadYourWrites(app, {
        wal: comp.wal,
        onError: throttled((err) =>
          app.log.warn({ err: errorText(err) }, 'read-your-writes: position not kept'),
        ),
      });
      await app.register(apiPlugin, {
        services: comp.services,
        secureCookies: app.runtime.urls.https.api,
        trustedOrigin: app.runtime.originTrust,
        openApi,
      });
    },
    { name: 'graminsta-role-api', dependencies: [KERNEL], encapsulate: true },
  ),
} satisfies ComposedRole;

/** At most one call per 10 s: a lost Redis must not flood the log. */
function throttled(fn: (err: unknown) => void): (err: unknown) => void {
  let last = 0;
  return (err) => {
    const now = Date.now();
    if (now - last < 10_000) return;
    last = now;
    fn(err);
  };
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
