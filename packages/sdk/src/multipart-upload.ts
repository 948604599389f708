import type { CompletedUpload, UploadParts, UploadTarget } from '@graminsta/contracts';
import { ApiError } from './api-error.ts';
import { uploadFile, type UploadOptions, type UploadProgress } from './upload.ts';

/** The two API calls a MULTIPART upload needs besides sending the parts. */
export interface MultipartApi {
  signParts(uploadId: string, partNumbers: number[], signal?: AbortSignal): Promise<UploadParts>;
  complete(uploadId: string, signal?: AbortSignal): Promise<CompletedUpload>;
}

export interface MultipartOptions extends UploadOptions {
  /** Tries per part before the upload fails (each retry asks for a fresh URL); 5 by default. */
  attempts?: number;
  /** Parts in flight at once; 3 by default. */
  concurrency?: number;
  /** Wait before the n-th retry of a part: n × this; 500 ms by default. */
  retryDelayMs?: number;
}

// The API signs at most this many parts per call.
const SIGN_BATCH = 100;

/**
 * Sends a file in the parts a MULTIPART target names, straight to the object store, then asks
 * the API to join them. A part whose connection drops is sent again from a freshly signed URL
 * (parts already received are never sent twice), so a dropped connection costs one part at most.
 * Progress covers the whole file.
 */
export async function uploadMultipart(
  target: UploadTarget,
  file: Blob,
  api: MultipartApi,
  onProgress?: (progress: UploadProgress) => void,
  opts: MultipartOptions = {},
): Promise<void> {
  const { partSize, partCount } = target.upload;
  if (!partSize || !partCount) throw new ApiError(0, 'bad_target', 'a MULTIPART target names its parts');
  const sizeOf = (n: number) => Math.min(partSize, file.size - (n - 1) * partSize);
  const loaded = new Map<number, number>();
  const report = () => {
    const sum = [...loaded.values()].reduce((a, b) => a + b, 0);
    onProgress?.({
      loaded: sum,
      total: file.size,
      fraction: file.size > 0 ? Math.min(1, sum / file.size) : 0,
    });
  };

  const urls = new Map<number, string>();
  const done = new Set<number>();
  const sign = async (numbers: number[]) => {
    for (let i = 0; i < numbers.length; i += SIGN_BATCH) {
      const answer = await api.signParts(target.uploadId, numbers.slice(i, i + SIGN_BATCH), opts.signal);
      for (const p of answer.parts) urls.set(p.partNumber, p.url);
      // A resumed upload skips what the store already holds whole.
      for (const r of answer.received) {
        if (r.size === sizeOf(r.partNumber)) {
          done.add(r.partNumber);
          loaded.set(r.partNumber, r.size);
        }
      }
    }
  };
  const all = Array.from({ length: partCount }, (_, i) => i + 1);
  await sign(all);
  report();

  const sendPart = async (n: number) => {
    const attempts = opts.attempts ?? 5;
    for (let attempt = 1; !done.has(n); attempt += 1) {
      const body = file.slice((n - 1) * partSize, (n - 1) * partSize + sizeOf(n));
      try {
        await uploadFile(
          { ...target, upload: { method: 'PUT', url: urls.get(n)! } },
          body,
          (p) => {
            loaded.set(n, p.loaded);
            report();
          },
          opts,
        );
        done.add(n);
        loaded.set(n, sizeOf(n));
        report();
      } catch (err) {
        loaded.set(n, 0);
        report();
        if (opts.signal?.aborted || attempt >= attempts) throw err;
        await sleep(attempt * (opts.retryDelayMs ?? 500));
        // A fresh URL (the old one may have expired), and news of whether the part arrived after all.
        await sign([n]);
      }
    }
  };

  const queue = all.filter((n) => !done.has(n));
  const workers = Array.from({ length: Math.min(opts.concurrency ?? 3, queue.length) }, async () => {
    for (let n = queue.shift(); n !== undefined; n = queue.shift()) await sendPart(n);
  });
  await Promise.all(workers);
  await api.complete(target.uploadId, opts.signal);
  report();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
