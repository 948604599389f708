import pino, { type DestinationStream, type Logger } from 'pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loggedError } from './logged-error.ts';

// Mailed links carry their single-use token in the path (API and web pages alike).
const LINK_TOKEN = /\/(email-verifications|password-resets|verify-email|reset-password)\/[^/]+/g;

/** A request's path fit for the log: no query string, no mailed-link token. */
export function loggedPath(url: string | undefined): string {
  return (url ?? '').split('?')[0]!.replace(LINK_TOKEN, '/$1/[redacted]');
}

/**
 * JSON logs; request logs carry the request id and path, never query strings, tokens or
 * passwords, and errors never the parameters of a failed query.
 */
export function createLogger(level: string, instanceId: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { instance: instanceId },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'headers.cookie',
        '*.password',
        '*.token',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: IncomingMessage & { id?: string; ip?: string }) => ({
        id: req.id,
        method: req.method,
        // Upload URLs carry a signature in the query; log the path only.
        path: loggedPath(req.url),
        ip: req.ip,
      }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
      err: loggedError,
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
