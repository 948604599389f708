import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * ListParts and AbortMultipartUpload, which s3rver 3.7.1 lacks, answered from s3rver's own
 * storage (`<dir>/<bucket>/._S3rver_uploads/<uploadId>/`: `key`, and each part as `<n>` with its
 * MD5 in `<n>.md5`, written once the part is whole). The API needs both: the parts' true sizes
 * and ETags decide whether an upload can be completed, and expired uploads are aborted.
 */
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  set(name: string, value: string): void;
}
type Next = () => Promise<unknown>;

const UPLOAD_ID = /^[0-9a-f]{32}$/;
const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function multipartExtras(dir: string) {
  return async (ctx: KoaContext, next: Next): Promise<unknown> => {
    const uploadId = ctx.query.uploadId;
    const isList = ctx.method === 'GET';
    if ((!isList && ctx.method !== 'DELETE') || typeof uploadId !== 'string') return next();
    const match = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
    if (!match) return next();
    const [, bucket, key] = match as unknown as [string, string, string];
    const uploadDir = join(dir, bucket, '._S3rver_uploads', uploadId);
    const storedKey = UPLOAD_ID.test(uploadId)
      ? await readFile(join(uploadDir, 'key'), 'utf8').catch(() => null)
      : null;
    ctx.set('Content-Type', 'application/xml');
    if (storedKey === null || storedKey !== key) {
      ctx.status = 404;
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><UploadId>${xml(uploadId)}</UploadId></Error>`;
      return;
    }
    if (!isList) {
      await rm(uploadDir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = null;
      return;
    }
    const parts = await wholeParts(uploadDir);
    ctx.status = 200;
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>
<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${xml(bucket)}</Bucket><Key>${xml(key)}</Key><UploadId>${uploadId}</UploadId><PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>${parts.at(-1)?.number ?? 0}</NextPartNumberMarker><MaxParts>10000</MaxParts><IsTruncated>false</IsTruncated>${parts
      .map(
        (p) =>
          `<Part><PartNumber>${p.number}</PartNumber><LastModified>${p.modified.toISOString()}</LastModified><ETag>"${p.md5}"</ETag><Size>${p.size}</Size></Part>`,
      )
      .join('')}</ListPartsResult>`;
  };
}

/** Parts written whole: a part being written, or cut off mid-way, has no MD5 newer than its bytes. */
async function wholeParts(uploadDir: string) {
  const names = (await readdir(uploadDir)).filter((n) => /^\d+$/.test(n));
  const parts = await Promise.all(
    names.map(async (name) => {
      const [bytes, md5Info, md5] = await Promise.all([
        stat(join(uploadDir, name)).catch(() => null),
        stat(join(uploadDir, `${name}.md5`)).catch(() => null),
        readFile(join(uploadDir, `${name}.md5`), 'utf8').catch(() => null),
      ]);
      if (!bytes || !md5Info || !md5 || md5Info.mtimeMs < bytes.mtimeMs) return null;
      return { number: Number(name), size: bytes.size, md5: md5.trim(), modified: bytes.mtime };
    }),
  );
  return parts.filter((p) => p !== null).sort((a, b) => a.number - b.number);
}
