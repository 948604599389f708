import { z } from 'zod';
import { ERROR_STATUS, endpoints, fillPath, type Auth, type Endpoint } from '@graminsta/contracts';
import { SESSION_COOKIE } from '../http/session-cookie.ts';
import { errorComponents, errorRef, errorStatusesOf } from './openapi-errors.ts';

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

function parametersOf(schema: z.ZodObject | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const json = toJson(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: s,
  }));
}

const TAG_DESCRIPTIONS: Record<Endpoint['tag'], string> = {
  accounts: 'Sign-up, log-in, log-out and the own account',
  users: 'Profiles, follows and search',
  photos: 'Uploads, photos, likes and comments',
  feed: 'Home feed, recent public photos and tags',
  notifications: 'Likes, comments and follows addressed to the caller',
  moderation: "Reports of content and the moderators' queue",
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

function operationOf(e: Endpoint) {
  const responses: Record<string, unknown> = {
    [e.status]: {
      description: e.summary,
      content: { 'application/json': { schema: toJson(e.response, 'output') } },
    },
  };
  const errors = errorStatusesOf({
    method: e.method,
    hasParams: e.params !== undefined,
    hasInput: [e.params, e.query, e.body].some((s) => s !== undefined),
    hasBody: e.body !== undefined,
    auth: e.auth,
    rateLimit: e.rateLimit,
  });
  for (const status of [...errors, ...Object.keys(e.errors ?? {}).map(Number)])
    responses[status] = errorRef(status);
  const limited = e.rateLimit ? ` Counts against the "${e.rateLimit}" rate limit.` : '';
  return {
    operationId: e.operationId,
    summary: e.summary,
    description: `${e.summary}. ${AUTH_NOTE[e.auth]}${limited}`,
    tags: [e.tag],
    parameters: [...parametersOf(e.params, 'path'), ...parametersOf(e.query, 'query')],
    requestBody: e.body
      ? {
          // A body schema that accepts nothing at all makes the body optional.
          required: !e.body.safeParse(undefined).success,
          content: { 'application/json': { schema: toJson(e.body, 'input') } },
        }
      : undefined,
    responses,
    security: SECURITY[e.auth],
  };
}

/** The OpenAPI 3.1 document of the endpoint table: the very zod schemas the API runs on. */
export function buildOpenApi(info: { title: string; version: string }) {
  const all: Endpoint[] = Object.values(endpoints);
  const paths: Record<string, Record<string, unknown>> = {};
  const used = new Set<number>();
  for (const e of all) {
    const operation = operationOf(e);
    for (const status of Object.keys(operation.responses)) used.add(Number(status));
    (paths[fillPath(e.path, (name) => `{${name}}`)] ??= {})[e.method.toLowerCase()] = operation;
  }
  const tags = [...new Set(all.map((e) => e.tag))].sort();
  return {
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
    tags: tags.map((name) => ({ name, description: TAG_DESCRIPTIONS[name] })),
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
          description: 'The HttpOnly session cookie set by sign-up and log-in; writes need a trusted Origin.',
        },
      },
      ...errorComponents(toJson(ErrorBody, 'output'), used),
    },
  };
}

/** The document, built on first request (a process that never serves it never builds it). */
export function openApiDocument(info: { title: string; version: string }): () => unknown {
  let doc: unknown;
  return () => (doc ??= buildOpenApi(info));
}
