import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger } from '../logger.ts';

/** The server's own logger (its redaction and error serializer), writing into a string a test reads. */
export function captureLogs(level = 'info'): { logger: Logger; text: () => string } {
  let logs = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs += chunk.toString();
      cb();
    },
  });
  return { logger: createLogger(level, 'test-1', sink), text: () => logs };
}
