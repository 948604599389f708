import { endpoints } from '@graminsta/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declaredApiRoutes, type DeclaredRoute } from '../testing/api-routes.ts';
import { createTestApp, type TestApp } from '../testing/test-app.ts';
import { buildOpenApi } from './openapi.ts';

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
    routes = declaredApiRoutes();
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

describe('buildOpenApi', () => {
  const doc = buildOpenApi({ title: 't', version: '1' }) as unknown as Doc;

  it('has exactly one operation per endpoint of the table, under its path, method and operationId', () => {
    const described = operations(doc).map(({ path, method, op }) => `${method} ${path} ${op.operationId}`);
    const declared = Object.values(endpoints).map(
      (e) => `${e.method.toLowerCase()} ${e.path.replace(/:(\w+)/g, '{$1}')} ${e.operationId}`,
    );
    expect(described.sort()).toEqual(declared.sort());
  });

  it('documents 429 with Retry-After exactly on rate-limited endpoints', () => {
    const limited = doc.paths['/api/v1/photos/{id}/comments']!.post!;
    expect(limited.responses['429']).toEqual({ $ref: '#/components/responses/TooManyRequests' });
    expect(doc.paths['/api/v1/photos/{id}']!.get!.responses['429']).toBeUndefined();
    const tooMany = doc.components.responses.TooManyRequests as { headers?: Record<string, unknown> };
    expect(tooMany.headers?.['Retry-After']).toBeDefined();
  });

  it("adds an entry's own error statuses to those its kind can answer", () => {
    expect(doc.paths['/api/v1/accounts']!.post!.responses['409']).toEqual({
      $ref: '#/components/responses/Conflict',
    });
    expect(doc.paths['/api/v1/photos']!.post!.responses['404']).toEqual({
      $ref: '#/components/responses/NotFound',
    });
  });
});
