import { createHmac } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { presignUploadPost } from './s3.upload-target.ts';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const client = new S3Client({
  endpoint: 'http://127.0.0.1:9000',
  region: 'eu-west-3',
  forcePathStyle: true,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET },
});
afterAll(() => client.destroy());

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** SigV4 for a POST policy, written out from AWS's description, not the SDK's code. */
function signPolicy(secret: string, date: string, region: string, policy: string): string {
  const kDate = hmac(`AWS4${secret}`, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, 's3');
  const kSigning = hmac(kService, 'aws4_request');
  return hmac(kSigning, policy).toString('hex');
}

async function target(
  overrides: Partial<{ key: string; contentType: string; maxBytes: number; ttl: number }> = {},
) {
  const req = {
    key: overrides.key ?? 'uploads/42/0123456789abcdef',
    contentType: overrides.contentType ?? 'image/jpeg',
    maxBytes: overrides.maxBytes ?? 5_000_000,
    expiresAt: new Date(Date.now() + (overrides.ttl ?? 900) * 1000),
  };
  const spec = await presignUploadPost(client, 'graminsta', req);
  const fields = spec.fields!;
  const policy = JSON.parse(Buffer.from(fields.Policy!, 'base64').toString('utf8')) as {
    expiration: string;
    conditions: unknown[];
  };
  return { req, spec, fields, policy };
}

describe('the presigned POST policy', () => {
  it('binds exactly the key, the content type, 1…maxBytes, the bucket and the credential', async () => {
    const { spec, fields, policy } = await target();
    expect(spec.method).toBe('POST');
    expect(spec.url).toBe('http://127.0.0.1:9000/graminsta');
    expect(fields.key).toBe('uploads/42/0123456789abcdef');
    expect(fields['Content-Type']).toBe('image/jpeg');
    const date = fields['X-Amz-Date']!;
    expect(date).toMatch(/^\d{8}T\d{6}Z$/);
    const credential = `AKIDEXAMPLE/${date.slice(0, 8)}/eu-west-3/s3/aws4_request`;
    expect(fields['X-Amz-Credential']).toBe(credential);
    expect(policy.conditions).toHaveLength(8);
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        { key: 'uploads/42/0123456789abcdef' },
        ['eq', '$Content-Type', 'image/jpeg'],
        ['content-length-range', 1, 5_000_000],
        { bucket: 'graminsta' },
        { 'Content-Type': 'image/jpeg' },
        { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' },
        { 'X-Amz-Credential': credential },
        { 'X-Amz-Date': date },
      ]),
    );
    // No starts-with anywhere: the key and type are exact, never prefixes.
    expect(JSON.stringify(policy.conditions)).not.toContain('starts-with');
  });

  it('expires when the upload does', async () => {
    const before = Date.now();
    const { policy } = await target({ ttl: 600 });
    const expiry = Date.parse(policy.expiration);
    expect(expiry).toBeGreaterThan(before + 598_000);
    expect(expiry).toBeLessThanOrEqual(Date.now() + 600_000);
    await expect(target({ ttl: -5 })).rejects.toThrow(/future/);
  });

  it('carries the signature SigV4 gives for that policy and that secret, and no other', async () => {
    const { fields } = await target({ contentType: 'image/png', maxBytes: 1234 });
    const date = fields['X-Amz-Date']!.slice(0, 8);
    expect(fields['X-Amz-Signature']).toBe(signPolicy(SECRET, date, 'eu-west-3', fields.Policy!));
    expect(fields['X-Amz-Signature']).not.toBe(signPolicy(`${SECRET}x`, date, 'eu-west-3', fields.Policy!));
    // A policy edited by the client (a bigger range, say) no longer matches the signature.
    const edited = Buffer.from(
      Buffer.from(fields.Policy!, 'base64').toString().replace('1234', '99999999'),
    ).toString('base64');
    expect(signPolicy(SECRET, date, 'eu-west-3', edited)).not.toBe(fields['X-Amz-Signature']);
  });

  it('never puts the secret in the form', async () => {
    const { spec } = await target();
    const text = JSON.stringify(spec);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(encodeURIComponent(SECRET));
  });

  it('refuses a size that is not a positive integer', async () => {
    for (const maxBytes of [0, -1, 1.5, Number.NaN])
      await expect(target({ maxBytes })).rejects.toThrow(/maxBytes/);
  });
});
