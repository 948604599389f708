import pino, { type DestinationStream, type Logger } from 'pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loggedError } from './logged-error.ts';

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
        path: (req.url ?? '').split('?')[0],
        ip: req.ip,
      }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
      err: loggedError,
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
