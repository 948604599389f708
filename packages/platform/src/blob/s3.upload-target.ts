import type { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import type { UploadTargetRequest, UploadTargetSpec } from '../ports.ts';

/**
 * A presigned POST form for one upload. POST rather than PUT because only a POST policy can bind
 * a size range: S3 checks `content-length-range` against the body it receives, while a presigned
 * PUT signs one exact Content-Length (the client would have to know it before asking, and a
 * lying client just declares a smaller file). The policy binds the exact key, the content type,
 * 1…maxBytes and the expiry; the signature covers the whole policy, so no field can be changed.
 */
export async function presignUploadPost(
  presigner: S3Client,
  bucket: string,
  req: UploadTargetRequest,
): Promise<UploadTargetSpec> {
  if (!Number.isInteger(req.maxBytes) || req.maxBytes < 1)
    throw new Error('maxBytes must be a positive integer');
  const seconds = Math.floor((req.expiresAt.getTime() - Date.now()) / 1000);
  if (seconds < 1) throw new Error('an upload target must expire in the future');
  const post = await createPresignedPost(presigner, {
    Bucket: bucket,
    Key: req.key,
    Conditions: [
      ['eq', '$Content-Type', req.contentType],
      ['content-length-range', 1, req.maxBytes],
    ],
    Fields: { 'Content-Type': req.contentType },
    Expires: seconds,
  });
  return { method: 'POST', url: post.url, fields: post.fields };
}
