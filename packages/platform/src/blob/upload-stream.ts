import type { Readable } from 'node:stream';
import type { LocalDiskBlobStore } from './local-disk.blob-store.ts';
import { assertSafeKey } from './upload-signature.ts';

export class PayloadTooLargeError extends Error {
  readonly code = 'payload_too_large';
  constructor(readonly maxBytes: number) {
    super(`upload larger than ${maxBytes} bytes`);
  }
}

/**
 * Streams an upload body to a temporary file, then moves it into place. More than `maxBytes`
 * stops the copy at once and keeps nothing; the source is paused, not destroyed, so the
 * caller can still answer 413 on the same connection.
 */
export async function writeUploadStream(
  store: LocalDiskBlobStore,
  key: string,
  contentType: string,
  source: Readable,
  maxBytes: number,
): Promise<number> {
  assertSafeKey(key);
  const { tmp, size } = await receiveToTemp(store, source, maxBytes);
  await store.commitTemp(tmp, key, contentType);
  return size;
}

/**
 * The first half of writeUploadStream: the whole body, synced to a temporary file that the
 * caller commits (store.commitTemp) or discards (store.discardTemp). A body over `maxBytes`
 * or cut off half way leaves nothing behind.
 */
export async function receiveToTemp(
  store: LocalDiskBlobStore,
  source: Readable,
  maxBytes: number,
): Promise<{ tmp: string; size: number }> {
  const { tmp, result: size } = await store.fillTemp((file) =>
    copyLimited(source, (chunk) => file.write(chunk).then(() => undefined), maxBytes),
  );
  return { tmp, size };
}

function copyLimited(
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
