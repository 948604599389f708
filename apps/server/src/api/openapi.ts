import type { FastifyInstance, RouteOptions } from 'fastify';
import { z } from 'zod';

type Schema = { params?: unknown; querystring?: unknown; body?: unknown; response?: Record<string, unknown> };

interface Operation {
  method: string;
  url: string;
  schema: Schema;
  summary?: string;
}

const isZod = (v: unknown): v is z.ZodType => v instanceof z.ZodType;
const toJson = (s: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' });

function parametersOf(schema: unknown, where: 'path' | 'query') {
  if (!isZod(schema)) return [];
  const json = toJson(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: s,
  }));
}

/** Builds the OpenAPI 3.1 document from the very zod schemas the routes validate with. */
export function collectOpenApi(
  app: FastifyInstance,
  info: { title: string; version: string },
): () => unknown {
  const operations: Operation[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const schema = route.schema as Schema | undefined;
    if (!schema || route.url.startsWith('/storage')) return;
    for (const method of methods) {
      if (method === 'HEAD') continue;
      operations.push({
        method: method.toLowerCase(),
        url: route.url,
        schema,
        summary: route.schema?.summary,
      });
    }
  });
  let doc: unknown;
  return () => {
    if (doc) return doc;
    const paths: Record<string, Record<string, unknown>> = {};
    for (const op of operations) {
      const path = op.url.replace(/:([A-Za-z_]+)/g, '{$1}');
      const responses: Record<string, unknown> = {};
      for (const [status, s] of Object.entries(op.schema.response ?? {})) {
        responses[status] = isZod(s)
          ? {
              description: `HTTP ${status}`,
              content: { 'application/json': { schema: toJson(s, 'output') } },
            }
          : { description: `HTTP ${status}` };
      }
      responses.default = { description: 'Error: {"error": {"code", "message"}}' };
      (paths[path] ??= {})[op.method] = {
        summary: op.summary,
        parameters: [
          ...parametersOf(op.schema.params, 'path'),
          ...parametersOf(op.schema.querystring, 'query'),
        ],
        requestBody: isZod(op.schema.body)
          ? { required: true, content: { 'application/json': { schema: toJson(op.schema.body, 'input') } } }
          : undefined,
        responses,
        security: [{ bearer: [] }, {}],
      };
    }
    doc = {
      openapi: '3.1.0',
      info,
      paths,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    };
    return doc;
  };
}
