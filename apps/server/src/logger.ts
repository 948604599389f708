import pino, { type Logger } from 'pino';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** JSON logs; request logs carry the request id and path, never query strings, tokens or passwords. */
export function createLogger(level: string, instanceId: string): Logger {
  return pino({
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
      err: pino.stdSerializers.err,
    },
  });
}
