import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  S3ServiceException,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { MultipartGoneError, type MultipartUploads, type StoredPart } from '../ports.ts';
import { assertSafeKey } from './upload-signature.ts';

// S3 numbers parts 1…10000 and lists at most 1000 per page.
const MAX_PART_NUMBER = 10_000;
// A presigned URL lives at most a week in SigV4.
const MAX_EXPIRY_SECONDS = 7 * 24 * 3600;

/** S3's multipart upload: the client sends each part to a presigned UploadPart URL. */
export class S3Multipart implements MultipartUploads {
  constructor(
    private readonly client: S3Client,
    private readonly presigner: S3Client,
    private readonly bucket: string,
  ) {}

  async create(req: { key: string; contentType: string }): Promise<string> {
    assertSafeKey(req.key);
    const res = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: req.key, ContentType: req.contentType }),
    );
    if (!res.UploadId) throw new Error('the store started no multipart upload');
    return res.UploadId;
  }

  async signParts(req: {
    key: string;
    multipartId: string;
    partNumbers: number[];
    expiresAt: Date;
  }): Promise<Array<{ partNumber: number; url: string }>> {
    assertSafeKey(req.key);
    const seconds = Math.min(MAX_EXPIRY_SECONDS, Math.floor((req.expiresAt.getTime() - Date.now()) / 1000));
    if (seconds < 1) throw new Error('part URLs must expire in the future');
    return Promise.all(
      req.partNumbers.map(async (partNumber) => {
        if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER)
          throw new Error(`part number out of range: ${partNumber}`);
        const command = new UploadPartCommand({
          Bucket: this.bucket,
          Key: req.key,
          UploadId: req.multipartId,
          PartNumber: partNumber,
        });
        return { partNumber, url: await getSignedUrl(this.presigner, command, { expiresIn: seconds }) };
      }),
    );
  }

  async listParts(key: string, multipartId: string): Promise<StoredPart[]> {
    assertSafeKey(key);
    const parts: StoredPart[] = [];
    let marker: string | undefined;
    for (;;) {
      const res = await this.client
        .send(
          new ListPartsCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: multipartId,
            PartNumberMarker: marker,
          }),
        )
        .catch((err: unknown) => {
          throw isNoSuchUpload(err) ? new MultipartGoneError(key) : err;
        });
      for (const p of res.Parts ?? []) {
        if (p.PartNumber === undefined) continue;
        parts.push({ partNumber: p.PartNumber, size: p.Size ?? 0, etag: (p.ETag ?? '').replace(/"/g, '') });
      }
      if (!res.IsTruncated || !res.NextPartNumberMarker) break;
      marker = res.NextPartNumberMarker;
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async complete(key: string, multipartId: string, parts: StoredPart[]): Promise<void> {
    assertSafeKey(key);
    await this.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        UploadId: multipartId,
        MultipartUpload: {
          Parts: [...parts]
            .sort((a, b) => a.partNumber - b.partNumber)
            .map((p) => ({ PartNumber: p.partNumber, ETag: `"${p.etag}"` })),
        },
      }),
    );
  }

  async abort(key: string, multipartId: string): Promise<void> {
    assertSafeKey(key);
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: multipartId }),
      );
    } catch (err) {
      if (isNoSuchUpload(err)) return;
      throw err;
    }
  }
}

function isNoSuchUpload(err: unknown): boolean {
  return (
    err instanceof S3ServiceException && (err.name === 'NoSuchUpload' || err.$metadata.httpStatusCode === 404)
  );
}
