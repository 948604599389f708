import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { ERROR_STATUS, type ErrorCode } from '@graminsta/contracts';
import { AppError, RateLimitedError } from '@graminsta/core';

// Fastify's own errors that are the client's fault, by code.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
};

export function errorBody(code: ErrorCode, message: string) {
  return { error: { code, message } };
}

/** The one place errors become responses: every error is {"error": {code, message}}; 5xx details stay in the log. */
function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof RateLimitedError) void reply.header('retry-after', String(err.retryAfterSeconds));
    if (err instanceof AppError) {
      return reply.code(ERROR_STATUS[err.code]).send(errorBody(err.code, err.message));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? 'request';
      const details = err.validation
        .map((v) => {
          const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
          return path ? `${path}: ${v.message}` : v.message;
        })
        .join('; ');
      return reply.code(400).send(errorBody('validation_failed', `invalid ${where}: ${details}`));
    }
    if (isResponseSerializationError(err)) {
      request.log.error({ err }, 'response did not match its schema');
      return reply.code(500).send(errorBody('internal', 'internal error'));
    }
    const mapped = err.code ? FASTIFY_CODES[err.code] : undefined;
    if (mapped) return reply.code(ERROR_STATUS[mapped]).send(errorBody(mapped, err.message));
    if (err instanceof SyntaxError)
      return reply.code(400).send(errorBody('bad_request', 'malformed JSON body'));
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send(errorBody(status === 404 ? 'not_found' : 'bad_request', err.message));
    }
    request.log.error({ err }, 'request failed');
    return reply.code(500).send(errorBody('internal', 'internal error'));
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(errorBody('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`)),
  );
}

/** Not encapsulated: the handler is the root's, so every role's errors take the same form. */
export const errorsPlugin = fp(async (app) => registerErrorHandling(app), { name: 'graminsta-errors' });
