import type { Auth, HttpMethod, LimitedAction } from '@graminsta/contracts';

/** What the document needs to know of an endpoint to say which errors it can answer. */
export interface ErrorSource {
  method: HttpMethod;
  hasParams: boolean;
  hasInput: boolean;
  hasBody: boolean;
  auth: Auth;
  rateLimit: LimitedAction | undefined;
}

/** Each error answer once, as a shared response; operations refer to them by status. */
const ERROR_ANSWERS: Record<number, { name: string; description: string }> = {
  400: {
    name: 'BadRequest',
    description: 'Malformed, or failed validation (validation_failed, bad_request).',
  },
  401: {
    name: 'Unauthenticated',
    description: 'Not signed in, or the bearer token sent is expired or revoked (unauthenticated).',
  },
  403: {
    name: 'Forbidden',
    description: 'Not yours to change, or a cookie-authenticated write from an untrusted origin (forbidden).',
  },
  404: { name: 'NotFound', description: 'No such resource, or one the caller may not see (not_found).' },
  409: {
    name: 'Conflict',
    description: 'The state changed under the request, or its Idempotency-Key is in use (conflict).',
  },
  410: { name: 'Gone', description: 'A mailed link already used or expired (gone).' },
  413: { name: 'PayloadTooLarge', description: 'The body is larger than allowed (payload_too_large).' },
  415: {
    name: 'UnsupportedMediaType',
    description: 'The body is not application/json, or the content type is refused (unsupported_media_type).',
  },
  429: {
    name: 'TooManyRequests',
    description: 'Rate limit reached, per account and per client address (rate_limited).',
  },
  500: {
    name: 'InternalError',
    description: 'Unexpected failure; details are in the server log (internal).',
  },
  502: {
    name: 'BadGateway',
    description: 'A service behind the API did not answer in time (monitoring_unreachable).',
  },
  503: {
    name: 'Unavailable',
    description: 'A part of the topology this operation needs is not running (monitoring_off).',
  },
};

export function errorRef(status: string | number) {
  const answer = ERROR_ANSWERS[Number(status)];
  if (!answer) throw new Error(`no shared error answer for ${status}`);
  return { $ref: `#/components/responses/${answer.name}` };
}

/** The errors an endpoint can answer, read from what it takes, its auth and its rate limit. */
export function errorStatusesOf(e: ErrorSource): number[] {
  const statuses = new Set<number>([500]);
  if (e.hasInput) statuses.add(400);
  if (e.auth !== 'none') statuses.add(401);
  // Writes: ownership checks, and the cookie guard against cross-site origins.
  if (e.method !== 'GET' && e.auth !== 'none') statuses.add(403);
  if (e.hasParams) statuses.add(404);
  // An authenticated POST may carry an Idempotency-Key that is taken or in flight.
  if (e.method === 'POST' && e.auth !== 'none') statuses.add(409);
  if (e.hasBody) statuses.add(413).add(415);
  if (e.rateLimit) statuses.add(429);
  return [...statuses].sort((a, b) => a - b);
}

/** components.schemas.Error and the shared error answers that operations refer to. */
export function errorComponents(errorSchema: unknown, used: ReadonlySet<number>) {
  const responses: Record<string, unknown> = {};
  for (const [status, { name, description }] of Object.entries(ERROR_ANSWERS)) {
    if (!used.has(Number(status))) continue;
    responses[name] = {
      description,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      ...(status === '429' && {
        headers: {
          'Retry-After': {
            description: 'Seconds to wait before trying again.',
            schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 86_400 },
          },
        },
      }),
    };
  }
  return { schemas: { Error: errorSchema }, responses };
}
