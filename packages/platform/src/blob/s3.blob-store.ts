import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type {
  BlobStore,
  PutStreamOptions,
  ReadOptions,
  StoredObject,
  StoredStream,
  UploadTargetRequest,
  UploadTargetSpec,
} from '../ports.ts';
import { BlobChangedError } from '../ports.ts';
import { S3Multipart } from './s3.multipart.ts';
import { purgeEdges, type PurgeFailure } from './s3.purge.ts';
import { presignUploadPost } from './s3.upload-target.ts';
import { assertSafeKey, isPrivateKey } from './upload-signature.ts';
import { copyLimited } from './upload-stream.ts';

export interface S3BlobStoreOptions {
  /** Where this process reaches the store (API, workers). */
  endpoint: string;
  /** Where browsers send presigned uploads; `endpoint` when absent. */
  publicEndpoint?: string;
  bucket: string;
  region: string;
  /** Both or neither: without them the SDK's default chain finds credentials (a pod's role, say). */
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  /** The public base of objects (`${cdnUrl}/${key}`); the bucket's own URL when absent. */
  cdnUrl?: string;
  /** Edge bases to send `PURGE ${base}/${key}` to after a delete. */
  purgeUrls?: string[];
  /** A failed purge is reported here, never thrown: the objects are gone from storage either way. */
  onPurgeFailure?: (failure: PurgeFailure) => void;
}

// S3's DeleteObjects takes at most this many keys per call.
const DELETE_BATCH = 1000;

/**
 * Blobs in S3-compatible object storage (stage 5), through the AWS SDK v3. Browsers send bytes
 * straight to the store with presigned requests; this process only signs, reads and deletes.
 */
export class S3BlobStore implements BlobStore {
  readonly multipart: S3Multipart;
  private readonly client: S3Client;
  /** Signs URLs for browsers: same credentials, the endpoint they can reach. */
  private readonly presigner: S3Client;
  private readonly publicBase: string;

  constructor(private readonly opts: S3BlobStoreOptions) {
    const clientFor = (endpoint: string) =>
      new S3Client({
        endpoint,
        region: opts.region,
        forcePathStyle: opts.forcePathStyle,
        ...(opts.accessKeyId && opts.secretAccessKey
          ? { credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey } }
          : {}),
        // Only the checksums S3 requires: s3rver and older S3-compatible stores refuse the rest.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
    this.client = clientFor(opts.endpoint);
    this.presigner = opts.publicEndpoint ? clientFor(opts.publicEndpoint) : this.client;
    const bucketUrl = `${(opts.publicEndpoint ?? opts.endpoint).replace(/\/+$/, '')}/${opts.bucket}`;
    this.publicBase = (opts.cdnUrl ?? bucketUrl).replace(/\/+$/, '');
    this.multipart = new S3Multipart(this.client, this.presigner, opts.bucket);
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    assertSafeKey(key);
    await this.client.send(
      new PutObjectCommand({ Bucket: this.opts.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  /**
   * Received whole into a temporary file first (S3 wants the length before the body), so a
   * refused or broken body never reaches the store, and `place` sends it under its key.
   */
  async putStream(
    key: string,
    body: Readable,
    contentType: string,
    opts: PutStreamOptions = {},
  ): Promise<number> {
    assertSafeKey(key);
    const dir = await mkdtemp(join(tmpdir(), 'graminsta-s3-'));
    const tmp = join(dir, randomUUID());
    try {
      const file = await open(tmp, 'wx');
      let size: number;
      try {
        size = await copyLimited(
          body,
          (chunk) => file.write(chunk).then(() => undefined),
          opts.maxBytes ?? Infinity,
        );
      } finally {
        await file.close();
      }
      const place = async () => {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.opts.bucket,
            Key: key,
            Body: createReadStream(tmp),
            ContentLength: size,
            ContentType: contentType,
          }),
        );
      };
      await (opts.commit ? opts.commit(place) : place());
      return size;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async get(key: string, opts: ReadOptions = {}): Promise<StoredObject | null> {
    const found = await this.stream(key, opts);
    if (!found) return null;
    const body = await buffer(found.body);
    return { body, contentType: found.contentType, size: body.length };
  }

  async stream(key: string, opts: ReadOptions = {}): Promise<StoredStream | null> {
    assertSafeKey(key);
    try {
      const res = await this.client.send(
        new GetObjectCommand({ Bucket: this.opts.bucket, Key: key, IfMatch: opts.ifMatch }),
      );
      const body = res.Body as Readable;
      // S3 refuses a changed object itself (412); a store that ignores If-Match is caught here.
      if (opts.ifMatch !== undefined && unquote(res.ETag) !== unquote(opts.ifMatch)) {
        body.destroy();
        throw new BlobChangedError(key);
      }
      return {
        body,
        contentType: res.ContentType ?? 'application/octet-stream',
        size: res.ContentLength ?? 0,
      };
    } catch (err) {
      if (statusOf(err) === 412) throw new BlobChangedError(key);
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async head(key: string): Promise<{ size: number; contentType: string; etag?: string } | null> {
    assertSafeKey(key);
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.opts.bucket, Key: key }));
      return {
        size: res.ContentLength ?? 0,
        contentType: res.ContentType ?? 'application/octet-stream',
        ...(res.ETag ? { etag: unquote(res.ETag) } : {}),
      };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) assertSafeKey(key);
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const res = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.opts.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        throw new Error(`could not delete ${failed.length} objects: ${failed[0]?.Code ?? 'unknown error'}`);
      }
    }
  }

  async purge(keys: string[]): Promise<void> {
    const publicKeys = keys.filter((key) => !isPrivateKey(key));
    const failures = await purgeEdges(this.opts.purgeUrls ?? [], publicKeys);
    for (const failure of failures) this.opts.onPurgeFailure?.(failure);
  }

  publicUrl(key: string): string {
    assertSafeKey(key);
    if (isPrivateKey(key)) throw new Error(`a private key has no public URL: ${key}`);
    return `${this.publicBase}/${key}`;
  }

  createUploadTarget(req: UploadTargetRequest): Promise<UploadTargetSpec> {
    assertSafeKey(req.key);
    return presignUploadPost(this.presigner, this.opts.bucket, req);
  }

  close(): void {
    this.client.destroy();
    if (this.presigner !== this.client) this.presigner.destroy();
  }
}

export function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/"/g, '');
}

function statusOf(err: unknown): number | undefined {
  return err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
}

function isMissing(err: unknown): boolean {
  if (!(err instanceof S3ServiceException)) return false;
  return err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata.httpStatusCode === 404;
}
