import Fastify, { type RouteOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { endpoints } from '@graminsta/contracts';
import type { Services } from '@graminsta/core';
import { apiPlugin } from '../api.plugin.ts';
import { EXPORT_DOWNLOAD_PATH } from './export-download.ts';

describe('registerEndpoints', () => {
  it('registers one route per table entry, with its auth and rate limit as route config', async () => {
    const app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    const registered: string[] = [];
    app.addHook('onRoute', (route: RouteOptions) => {
      for (const method of [route.method].flat())
        // The export download answers bytes: the one route outside the table (export-download.ts).
        if (method !== 'HEAD' && route.url !== '/api/openapi.json' && route.url !== EXPORT_DOWNLOAD_PATH)
          registered.push(`${method} ${route.url} ${route.config?.auth} ${route.config?.rateLimit}`);
    });
    // Registration only: no request is made, so the services are never reached.
    await app.register(apiPlugin, {
      services: {} as Services,
      secureCookies: false,
      trustedOrigin: () => false,
      openApi: () => ({}),
    });
    await app.ready();
    await app.close();
    const declared = Object.values(endpoints).map(
      (e) => `${e.method} ${e.path} ${e.auth} ${'rateLimit' in e ? e.rateLimit : undefined}`,
    );
    expect(registered.sort()).toEqual(declared.sort());
  });
});
