import fp from 'fastify-plugin';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { compiledSerializerCompiler } from '../http/serializer.ts';
import type { Composition } from '../compose.ts';
import { apiPlugin } from '../api/api.plugin.ts';
import { openApiDocument } from '../api/openapi.ts';
import { KERNEL } from '../http/kernel.ts';
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
