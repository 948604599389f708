import type { FastifyContextConfig, FastifyInstance, RouteOptions } from 'fastify';
import { z } from 'zod';
import { ERROR_STATUS } from '@graminsta/contracts';
import { SESSION_COOKIE } from '../http/session-cookie.ts';
import { errorComponents, errorRef, errorStatusesOf, isErrorStatus } from './openapi-errors.ts';

type Schema = { params?: unknown; querystring?: unknown; body?: unknown; response?: Record<string, unknown> };
type Auth = NonNullable<FastifyContextConfig['auth']>;

interface Operation {
  method: string;
  url: string;
  schema: Schema;
  summary: string;
  auth: Auth;
  rateLimit: FastifyContextConfig['rateLimit'];
}

const isZod = (v: unknown): v is z.ZodType => v instanceof z.ZodType;
// The error body as written by errors.ts, with the codes it can carry spelled out for clients.
const ErrorBody = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS]),
    message: z.string(),
  }),
});
const INT32 = 2 ** 31;
const toJson = (s: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(s, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
    // Say how wide each integer is: clients pick their number type from it.
    override: ({ jsonSchema: j }) => {
      if (j.type !== 'integer') return;
      const fits = (j.minimum ?? -Infinity) >= -INT32 && (j.maximum ?? Infinity) < INT32;
      j.format = fits ? 'int32' : 'int64';
    },
  });

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

/** getUsersByUsernameFollowers: method and path, so it changes only when the path does. */
export function operationIdOf(method: string, url: string): string {
  const words = url
    .replace(/^\/api\/v\d+\//, '')
    .split('/')
    .map((segment) => (segment.startsWith(':') ? `by_${segment.slice(1)}` : segment))
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return [method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join('');
}

const TAG_OF_SEGMENT: Record<string, string> = {
  accounts: 'accounts',
  sessions: 'accounts',
  me: 'accounts',
  users: 'users',
  search: 'users',
  uploads: 'photos',
  photos: 'photos',
  comments: 'photos',
  feed: 'feed',
  explore: 'feed',
  tags: 'feed',
  notifications: 'notifications',
};
const TAG_DESCRIPTIONS: Record<string, string> = {
  accounts: 'Sign-up, log-in, log-out and the own account',
  users: 'Profiles, follows and search',
  photos: 'Uploads, photos, likes and comments',
  feed: 'Home feed, recent public photos and tags',
  notifications: 'Likes, comments and follows addressed to the caller',
};
const tagOf = (url: string) => {
  const segment = url.replace(/^\/api\/v\d+\//, '').split('/')[0] ?? '';
  return TAG_OF_SEGMENT[segment] ?? segment;
};

// Either credential works; `{}` marks the caller as optional.
const SECURITY: Record<Auth, unknown[]> = {
  required: [{ bearer: [] }, { cookie: [] }],
  optional: [{ bearer: [] }, { cookie: [] }, {}],
  none: [],
};
const AUTH_NOTE: Record<Auth, string> = {
  required: 'Requires a signed-in caller.',
  optional: 'Works signed out; a signed-in caller sees their own state (likes, follows, private photos).',
  none: 'Does not look at the caller.',
};

function operationOf(op: Operation) {
  const responses: Record<string, unknown> = {};
  for (const [status, s] of Object.entries(op.schema.response ?? {})) {
    if (isErrorStatus(status)) responses[status] = errorRef(status);
    else if (isZod(s))
      responses[status] = {
        description: op.summary,
        content: { 'application/json': { schema: toJson(s, 'output') } },
      };
  }
  const errors = errorStatusesOf({
    method: op.method,
    hasParams: op.schema.params !== undefined,
    hasInput: [op.schema.params, op.schema.querystring, op.schema.body].some((s) => s !== undefined),
    hasBody: op.schema.body !== undefined,
    auth: op.auth,
    rateLimit: op.rateLimit,
  });
  for (const status of errors) responses[status] ??= errorRef(status);
  const body = op.schema.body;
  const limited = op.rateLimit ? ` Counts against the "${op.rateLimit}" rate limit.` : '';
  return {
    operationId: operationIdOf(op.method, op.url),
    summary: op.summary,
    description: `${op.summary}. ${AUTH_NOTE[op.auth]}${limited}`,
    tags: [tagOf(op.url)],
    parameters: [...parametersOf(op.schema.params, 'path'), ...parametersOf(op.schema.querystring, 'query')],
    requestBody: isZod(body)
      ? {
          // A body schema that accepts nothing at all makes the body optional.
          required: !body.safeParse(undefined).success,
          content: { 'application/json': { schema: toJson(body, 'input') } },
        }
      : undefined,
    responses,
    security: SECURITY[op.auth],
  };
}

/** Builds the OpenAPI 3.1 document from the very zod schemas and route config the API runs on. */
export function collectOpenApi(
  app: FastifyInstance,
  info: { title: string; version: string },
): () => unknown {
  const operations: Operation[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as (Schema & { summary?: string }) | undefined;
    // A wildcard path (the storage role's objects) has no OpenAPI form: only the API is described.
    if (!schema || !route.url.startsWith('/api/') || route.url.includes('*')) return;
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      operations.push({
        method: method.toLowerCase(),
        url: route.url,
        schema,
        summary: schema.summary ?? `${method} ${route.url}`,
        // An unmarked route resolves a caller it is given but requires none: optional.
        auth: route.config?.auth ?? 'optional',
        rateLimit: route.config?.rateLimit,
      });
    }
  });
  let doc: unknown;
  return () => {
    if (doc) return doc;
    const paths: Record<string, Record<string, unknown>> = {};
    const used = new Set<number>();
    for (const op of operations) {
      const operation = operationOf(op);
      for (const status of Object.keys(operation.responses)) used.add(Number(status));
      (paths[op.url.replace(/:([A-Za-z_]+)/g, '{$1}')] ??= {})[op.method] = operation;
    }
    const tags = [...new Set(operations.map((op) => tagOf(op.url)))].sort();
    doc = {
      openapi: '3.1.0',
      info: { ...info, description: 'The JSON API of Graminsta, a photo-sharing site.' },
      // Relative: the document is served by the API it describes, behind whatever host and balancer.
      servers: [
        {
          url: '/',
          description: 'The deployment serving this document (local, staging or production)',
          'x-internal': false,
        },
      ],
      tags: tags.map((name) => ({ name, description: TAG_DESCRIPTIONS[name] ?? name })),
      paths,
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'The opaque session token returned by sign-up and log-in.',
          },
          cookie: {
            type: 'apiKey',
            in: 'cookie',
            name: SESSION_COOKIE,
            description:
              'The HttpOnly session cookie set by sign-up and log-in; writes need a trusted Origin.',
          },
        },
        ...errorComponents(toJson(ErrorBody, 'output'), used),
      },
    };
    return doc;
  };
}
