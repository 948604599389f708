import type { Readable } from 'node:stream';
import { PayloadTooLargeError } from './upload-stream.ts';

/**
 * Reads a stream whole, but never more than `maxBytes`: a larger body is destroyed and refused
 * with PayloadTooLargeError, so a caller that must hold the bytes (an image decoder) stays bounded.
 */
export async function readBounded(body: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      total += bytes.length;
      if (total > maxBytes) throw new PayloadTooLargeError(maxBytes);
      chunks.push(bytes);
    }
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks, total);
}
