import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type {
  BlobStore,
  PutStreamOptions,
  StoredObject,
  StoredStream,
  UploadTargetRequest,
  UploadTargetSpec,
} from '../ports.ts';
import { assertSafeKey, isPrivateKey, isSafeKey, signUpload } from './upload-signature.ts';
import { copyLimited } from './upload-stream.ts';

export interface LocalDiskBlobStoreOptions {
  dir: string;
  /** Where browsers reach the storage role, e.g. `http://localhost:3000/storage`. */
  publicBaseUrl: string;
  /** Signs upload URLs. */
  secret: string;
}

/**
 * Blobs as files (the `storage` role of stages 1–4): `objects/<key>` holds the bytes and
 * `meta/<key>` the content type. Every write goes to `tmp/` first and is renamed into place.
 */
export class LocalDiskBlobStore implements BlobStore {
  private readonly base: string;

  constructor(private readonly opts: LocalDiskBlobStoreOptions) {
    this.base = opts.publicBaseUrl.replace(/\/+$/, '');
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    assertSafeKey(key);
    const tmp = await this.writeTemp(body);
    await this.commitTemp(tmp, key, contentType);
  }

  /** Received whole into a synced temporary file first, so a refused or broken body leaves nothing. */
  async putStream(
    key: string,
    body: Readable,
    contentType: string,
    opts: PutStreamOptions = {},
  ): Promise<number> {
    assertSafeKey(key);
    const { tmp, result: size } = await this.fillTemp((file) =>
      copyLimited(body, (chunk) => file.write(chunk).then(() => undefined), opts.maxBytes ?? Infinity),
    );
    try {
      const place = () => this.commitTemp(tmp, key, contentType);
      await (opts.commit ? opts.commit(place) : place());
    } finally {
      // Gone already once placed; otherwise the bytes were not wanted.
      await rm(tmp, { force: true });
    }
    return size;
  }

  async get(key: string): Promise<StoredObject | null> {
    assertSafeKey(key);
    // Body first: a put renames the metadata into place before the body, so a body implies metadata.
    const body = await orNull(readFile(this.objectPath(key)));
    const meta = body && (await this.readMeta(key));
    if (!body || !meta) return null;
    return { body, contentType: meta.contentType, size: body.length };
  }

  async stream(key: string): Promise<StoredStream | null> {
    assertSafeKey(key);
    // An open descriptor keeps reading the bytes it opened, even if a put replaces the file meanwhile.
    const file = await orNull(open(this.objectPath(key), 'r'));
    if (!file) return null;
    try {
      const info = await file.stat();
      const meta = info.isFile() ? await this.readMeta(key) : null;
      if (!meta) {
        await file.close();
        return null;
      }
      return { body: file.createReadStream(), contentType: meta.contentType, size: info.size };
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  /** What the public route may serve: a safe, non-private key's object, else null. */
  async streamPublic(key: string): Promise<StoredStream | null> {
    if (!isSafeKey(key) || isPrivateKey(key)) return null;
    return this.stream(key);
  }

  async head(key: string): Promise<{ size: number; contentType: string } | null> {
    assertSafeKey(key);
    const info = await orNull(stat(this.objectPath(key)));
    const meta = info && (await this.readMeta(key));
    if (!info?.isFile() || !meta) return null;
    return { size: info.size, contentType: meta.contentType };
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) assertSafeKey(key);
    for (const key of keys) {
      await rm(this.objectPath(key), { force: true });
      await rm(this.metaPath(key), { force: true });
    }
  }

  publicUrl(key: string): string {
    assertSafeKey(key);
    if (isPrivateKey(key)) throw new Error(`a private key has no public URL: ${key}`);
    return `${this.base}/blobs/${key}`;
  }

  async createUploadTarget(req: UploadTargetRequest): Promise<UploadTargetSpec> {
    assertSafeKey(req.key);
    if (!Number.isInteger(req.maxBytes) || req.maxBytes < 1)
      throw new Error('maxBytes must be a positive integer');
    const fields = {
      key: req.key,
      ct: req.contentType,
      max: String(req.maxBytes),
      exp: String(Math.floor(req.expiresAt.getTime() / 1000)),
    };
    const query = new URLSearchParams({
      ct: fields.ct,
      max: fields.max,
      exp: fields.exp,
      sig: signUpload(fields, this.opts.secret),
    });
    return {
      method: 'PUT',
      url: `${this.base}/uploads/${req.key}?${query}`,
      headers: { 'content-type': req.contentType },
    };
  }

  /** A fresh temporary path on the same filesystem as the objects, so rename is atomic. */
  private async tempPath(): Promise<string> {
    const dir = join(this.opts.dir, 'tmp');
    await mkdir(dir, { recursive: true });
    return join(dir, randomUUID());
  }

  /** Moves a fully written temporary file into place under `key` (the temp file is gone afterwards). */
  private async commitTemp(tmp: string, key: string, contentType: string): Promise<void> {
    try {
      assertSafeKey(key);
      const metaTmp = await this.writeTemp(Buffer.from(JSON.stringify({ contentType })));
      await mkdir(dirname(this.metaPath(key)), { recursive: true });
      await rename(metaTmp, this.metaPath(key));
      await mkdir(dirname(this.objectPath(key)), { recursive: true });
      await rename(tmp, this.objectPath(key));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  private async writeTemp(body: Buffer): Promise<string> {
    return (await this.fillTemp((file) => file.writeFile(body))).tmp;
  }

  /**
   * A new temporary file, filled by `fill` and synced to disk, ready for commitTemp. If `fill`
   * throws, nothing is left behind.
   */
  private async fillTemp<T>(fill: (file: FileHandle) => Promise<T>): Promise<{ tmp: string; result: T }> {
    const tmp = await this.tempPath();
    const file = await open(tmp, 'wx');
    let result: T;
    try {
      result = await fill(file);
      await file.sync();
    } catch (err) {
      await file.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await file.close();
    return { tmp, result };
  }

  private async readMeta(key: string): Promise<{ contentType: string } | null> {
    const text = await orNull(readFile(this.metaPath(key), 'utf8'));
    return text === null ? null : (JSON.parse(text) as { contentType: string });
  }

  private objectPath(key: string): string {
    return join(this.opts.dir, 'objects', key);
  }

  private metaPath(key: string): string {
    return join(this.opts.dir, 'meta', key);
  }
}

/** A missing file (or a directory where a file was expected) reads as null. */
async function orNull<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
    throw err;
  }
}
