import type { Readable } from 'node:stream';

export class PayloadTooLargeError extends Error {
  readonly code = 'payload_too_large';
  constructor(readonly maxBytes: number) {
    super(`upload larger than ${maxBytes} bytes`);
  }
}

/**
 * Copies `source` through `write`, one chunk at a time. More than `maxBytes` stops the copy at
 * once with PayloadTooLargeError; the source is paused, not destroyed, so an HTTP caller can
 * still answer 413 on the same connection. Resolves with the number of bytes copied.
 */
export function copyLimited(
  source: Readable,
  write: (chunk: Buffer) => Promise<void>,
  maxBytes: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let total = 0;
    let ended = false;
    let settled = false;
    let writing = Promise.resolve();
    const settle = (err?: unknown) => {
      if (settled) return;
      settled = true;
      source.off('data', onData).off('end', onEnd).off('error', settle).off('close', onClose);
      if (err === undefined) return resolve(total);
      source.pause();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      total += bytes.length;
      if (total > maxBytes) return settle(new PayloadTooLargeError(maxBytes));
      source.pause();
      writing = writing.then(() => write(bytes)).then(() => void (settled || source.resume()), settle);
    };
    const onEnd = () => {
      ended = true;
      writing.then(() => settle(), settle);
    };
    const onClose = () => void (ended || settle(new Error('upload aborted before the end of the body')));
    source.on('data', onData).on('end', onEnd).on('error', settle).on('close', onClose);
    source.resume();
  });
}
