import {
  MULTIPART_PART_BYTES,
  type CompletedUpload,
  type SignPartsBody,
  type UploadParts,
} from '@graminsta/contracts';
import {
  MultipartGoneError,
  type BlobStore,
  type Db,
  type MultipartUploads,
  type StoredPart,
} from '@graminsta/platform';
import { AppError, notFound } from '../errors.ts';
import { authorize } from '../policies/policy.ts';
import { uploadOf } from '../policies/resources.ts';
import type { UploadRepository, UploadRow } from './upload.repository.ts';

/** How many parts a file of `size` bytes is sent in: every part but the last is MULTIPART_PART_BYTES. */
export const partCountOf = (size: number) => Math.ceil(size / MULTIPART_PART_BYTES);

/** The size part `n` (1-based) of a file of `size` bytes must have. */
export const partSizeOf = (size: number, n: number) =>
  n < partCountOf(size) ? MULTIPART_PART_BYTES : size - (partCountOf(size) - 1) * MULTIPART_PART_BYTES;

export interface MultipartFlowDeps {
  db: Db;
  blobs: BlobStore;
  uploads: UploadRepository;
}

/**
 * The API side of MULTIPART uploads: it signs part URLs and joins the parts; the bytes go from
 * the client straight to the object store. Sizes and ETags come from the store (ListParts), never
 * from the client.
 */
export class MultipartFlow {
  constructor(private readonly deps: MultipartFlowDeps) {}

  async signParts(userId: string, uploadId: string, body: SignPartsBody): Promise<UploadParts> {
    const { upload, store } = await this.open(userId, uploadId);
    if (upload.receivedAt) throw new AppError('conflict', 'this upload is already complete');
    const count = partCountOf(upload.maxBytes);
    const numbers = [...new Set(body.partNumbers)];
    const past = numbers.find((n) => n > count);
    if (past !== undefined)
      throw new AppError('conflict', `part ${past} is past this upload's ${count} parts`);
    const parts = await store.signParts({
      key: upload.key,
      multipartId: upload.multipartId!,
      partNumbers: numbers,
      expiresAt: upload.expiresAt,
    });
    const received = (await partsOf(store, upload))
      .filter((p) => p.partNumber <= count)
      .map(({ partNumber, size }) => ({ partNumber, size }));
    return { parts, received, expiresAt: upload.expiresAt.toISOString() };
  }

  async complete(userId: string, uploadId: string): Promise<CompletedUpload> {
    const { upload, store } = await this.open(userId, uploadId);
    if (upload.receivedAt) {
      // A retry of a completion whose answer was lost gets the same answer.
      const stored = await this.deps.blobs.head(upload.key);
      if (stored) return { uploadId, size: stored.size };
    }
    const parts = checkedParts(upload, await partsOf(store, upload));
    await this.deps.db.transaction(async (tx) => {
      // Two completions racing: the conditional update lets exactly one through.
      if (!(await this.deps.uploads.markReceived(upload.key, new Date(), tx)))
        throw new AppError('conflict', 'this upload is complete, used or expired');
      // The parts join before the claim commits; if they cannot, the claim rolls back.
      await store.complete(upload.key, upload.multipartId!, parts);
    });
    return { uploadId, size: parts.reduce((sum, p) => sum + p.size, 0) };
  }

  /** The caller's MULTIPART upload, unused and unexpired. */
  private async open(
    userId: string,
    uploadId: string,
  ): Promise<{ upload: UploadRow; store: MultipartUploads }> {
    const upload = await this.deps.uploads.findById(uploadId);
    if (!upload) throw notFound('upload');
    authorize(userId, 'use', uploadOf(upload));
    const store = this.deps.blobs.multipart;
    if (!upload.multipartId || !store) throw new AppError('conflict', 'this upload is not MULTIPART');
    if (upload.photoId !== null) throw new AppError('conflict', 'this upload already made a photo');
    if (upload.expiresAt <= new Date()) throw new AppError('conflict', 'this upload has expired');
    return { upload, store };
  }
}

/** Every part 1…n there with the size it must have, so the whole is exactly the declared size. */
function checkedParts(upload: UploadRow, stored: StoredPart[]): StoredPart[] {
  const count = partCountOf(upload.maxBytes);
  const byNumber = new Map(stored.map((p) => [p.partNumber, p]));
  const parts: StoredPart[] = [];
  for (let n = 1; n <= count; n += 1) {
    const part = byNumber.get(n);
    if (!part) throw new AppError('conflict', `part ${n} of ${count} has not arrived`);
    const want = partSizeOf(upload.maxBytes, n);
    if (part.size !== want)
      throw new AppError('conflict', `part ${n} has ${part.size} bytes where ${want} were expected`);
    parts.push(part);
  }
  return parts;
}

/** The parts the store holds; an upload it no longer has (aborted elsewhere) is a 409, not a 500. */
async function partsOf(store: MultipartUploads, upload: UploadRow): Promise<StoredPart[]> {
  try {
    return await store.listParts(upload.key, upload.multipartId!);
  } catch (err) {
    if (err instanceof MultipartGoneError)
      throw new AppError('conflict', 'the store no longer holds this upload; start a new one');
    throw err;
  }
}
