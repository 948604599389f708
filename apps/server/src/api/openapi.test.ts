import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declaredApiRoutes, type DeclaredRoute } from '../testing/api-routes.ts';
import { createTestApp, type TestApp } from '../testing/test-app.ts';
import { collectOpenApi } from './openapi.ts';
import './route-config.ts';

type Op = {
  operationId: string;
  tags: string[];
  security: unknown[];
  parameters: { in: string }[];
  requestBody?: unknown;
  responses: Record<string, { $ref?: string; headers?: Record<string, unknown> }>;
};
type Doc = {
  servers: { url: string }[];
  tags: { name: string }[];
  paths: Record<string, Record<string, Op>>;
  components: { responses: Record<string, { content: Record<string, { schema: unknown }> }> } & {
    schemas: Record<string, { properties: { error: { properties: Record<string, unknown> } } }>;
  };
};

const operations = (doc: Doc) =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );
const SECURITY = {
  required: [{ bearer: [] }, { cookie: [] }],
  optional: [{ bearer: [] }, { cookie: [] }, {}],
  none: [],
};

describe('the served OpenAPI document', () => {
  let t: TestApp;
  let doc: Doc;
  let routes: DeclaredRoute[];
  beforeAll(async () => {
    t = await createTestApp();
    doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    routes = await declaredApiRoutes(t.comp.services);
  });
  afterAll(() => t.close());

  const routeOf = (path: string, method: string) =>
    routes.find(
      (r) => r.url.replace(/:(\w+)/g, '{$1}') === path && r.method.toLowerCase() === method.toLowerCase(),
    );

  it('has servers, no wildcard path, and one unique camelCase operationId and a declared tag each', () => {
    expect(doc.servers.length).toBeGreaterThan(0);
    expect(Object.keys(doc.paths).filter((p) => p.includes('*'))).toEqual([]);
    const ids = operations(doc).map(({ op }) => op.operationId);
    expect(ids.length).toBeGreaterThan(20);
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z0-9]*$/);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = new Set(doc.tags.map((tag) => tag.name));
    for (const { path, op } of operations(doc)) {
      expect(op.tags.length, path).toBe(1);
      expect(tags.has(op.tags[0]!), path).toBe(true);
    }
  });

  it('asks for credentials exactly as each route is marked', () => {
    for (const { path, method, op } of operations(doc)) {
      const auth = routeOf(path, method)?.config.auth;
      expect(auth, `${method} ${path}`).toBeDefined();
      expect(op.security, `${method} ${path}`).toEqual(SECURITY[auth!]);
    }
  });

  it('documents each error answer where it can happen, with the shared error body', () => {
    for (const { path, method, op } of operations(doc)) {
      const route = routeOf(path, method)!;
      const has = (status: number) => status in op.responses;
      const where = `${method} ${path}`;
      expect(has(500), where).toBe(true);
      expect(has(401), where).toBe(route.config.auth !== 'none');
      expect(has(429), where).toBe(route.config.rateLimit !== undefined);
      expect(has(400), where).toBe(op.parameters.length > 0 || op.requestBody !== undefined);
      expect(has(413) && has(415), where).toBe(op.requestBody !== undefined);
      if (op.parameters.some((p) => p.in === 'path')) expect(has(404), where).toBe(true);
      for (const [status, answer] of Object.entries(op.responses)) {
        if (Number(status) >= 400)
          expect(answer.$ref, `${where} ${status}`).toMatch(/^#\/components\/responses\//);
      }
    }
    for (const answer of Object.values(doc.components.responses)) {
      expect(answer.content['application/json']!.schema).toEqual({ $ref: '#/components/schemas/Error' });
    }
    expect(Object.keys(doc.components.schemas.Error!.properties.error.properties).sort()).toEqual([
      'code',
      'message',
    ]);
  });
});

describe('collectOpenApi', () => {
  it('documents 429 with Retry-After on rate-limited routes, and leaves wildcard routes out', async () => {
    const app = Fastify().withTypeProvider<ZodTypeProvider>();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    const openApi = collectOpenApi(app, { title: 't', version: '1' });
    const body = z.object({ text: z.string().max(10) });
    const schema = { body, response: { 201: z.object({ ok: z.boolean() }) } };
    app.post('/api/v1/things', { config: { auth: 'required', rateLimit: 'comment' }, schema }, async () => ({
      ok: true,
    }));
    app.post('/api/v1/free', { config: { auth: 'optional' }, schema }, async () => ({ ok: true }));
    app.get('/api/v1/files/*', { config: { auth: 'none' }, schema: {} }, async () => 'bytes');
    await app.ready();
    const doc = openApi() as Doc;
    expect(Object.keys(doc.paths).sort()).toEqual(['/api/v1/free', '/api/v1/things']);
    const limited = doc.paths['/api/v1/things']!.post!;
    expect(limited.responses['429']).toEqual({ $ref: '#/components/responses/TooManyRequests' });
    expect(doc.paths['/api/v1/free']!.post!.responses['429']).toBeUndefined();
    expect(doc.paths['/api/v1/free']!.post!.security).toEqual(SECURITY.optional);
    const tooMany = doc.components.responses.TooManyRequests as { headers?: Record<string, unknown> };
    expect(tooMany.headers?.['Retry-After']).toBeDefined();
    await app.close();
  });
});
