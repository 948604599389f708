import { once } from 'node:events';
import type { Readable } from 'node:stream';
import archiver from 'archiver';
import type { BlobStore } from '@graminsta/platform';

/** One file of the zip: a JSON document, or an object of the blob store read when its turn comes. */
export type ZipEntry =
  { name: string; json: unknown } | { name: string; open: () => Promise<Readable | null> };

/**
 * Where an export's zip is kept: under the private prefix (no public URL, never served by the
 * storage role), named by its export so a retried job overwrites its own half-written try.
 */
export const exportKey = (userId: string, exportId: string) => `uploads/exports/${userId}/${exportId}.zip`;

/**
 * Streams the entries into a zip stored under `key`; resolves with its size. Entries are added one
 * at a time, each opened only when the previous one is written, so at most one image is in flight.
 */
export async function writeZip(
  blobs: Pick<BlobStore, 'putStream'>,
  key: string,
  entries: AsyncIterable<ZipEntry>,
): Promise<number> {
  const archive = archiver('zip', { zlib: { level: 6 } });
  const stored = blobs.putStream(key, archive, 'application/zip');
  try {
    const [size] = await Promise.all([stored, fill(archive, entries, stored)]);
    return size;
  } catch (err) {
    archive.abort();
    throw err;
  }
}

async function fill(archive: archiver.Archiver, entries: AsyncIterable<ZipEntry>, stored: Promise<number>) {
  for await (const entry of entries) {
    // Images are WebP already: storing them saves the CPU that deflate would spend for nothing.
    const source = 'json' in entry ? JSON.stringify(entry.json, null, 2) : await entry.open();
    if (source === null) continue;
    const written = once(archive, 'entry');
    archive.append(source, { name: entry.name, store: !('json' in entry) });
    // A store that gave up reading (a failed write) must not leave this loop waiting forever.
    await Promise.race([written, stored]);
  }
  await archive.finalize();
}
