import { createHmac, timingSafeEqual } from 'node:crypto';

/** Keys a blob store accepts: lower-case path segments, no `..`, no empty segment. */
const SAFE_KEY = /^[a-z0-9][a-z0-9/_.-]*$/;

export function isSafeKey(key: string): boolean {
  return (
    key.length <= 512 &&
    SAFE_KEY.test(key) &&
    !key.includes('..') &&
    !key.includes('//') &&
    !key.endsWith('/')
  );
}

/** Uploaded originals live under this prefix: no public URL, never served, read by the worker only. */
export const PRIVATE_KEY_PREFIX = 'uploads/';

export function isPrivateKey(key: string): boolean {
  return key.startsWith(PRIVATE_KEY_PREFIX);
}

export function assertSafeKey(key: string): void {
  if (typeof key !== 'string' || !isSafeKey(key)) throw new Error(`unsafe blob key: ${JSON.stringify(key)}`);
}

export interface UploadQuery {
  key: string;
  ct: string;
  max: string;
  /** Expiry in Unix seconds. */
  exp: string;
  sig: string;
}

export type UploadCheck = { ok: true; contentType: string; maxBytes: number } | { ok: false; reason: string };

export function signUpload(fields: Omit<UploadQuery, 'sig'>, secret: string): string {
  // Newlines cannot occur in any field, so the joined string is unambiguous.
  const text = ['upload.v1', fields.key, fields.ct, fields.max, fields.exp].join('\n');
  return createHmac('sha256', secret).update(text).digest('base64url');
}

/** Checks a signed upload URL's query; never throws, whatever it is given. */
export function verifyUploadSignature(q: UploadQuery, secret: string, now = Date.now()): UploadCheck {
  const strings = [q?.key, q?.ct, q?.max, q?.exp, q?.sig].every((v) => typeof v === 'string');
  if (!strings || !isSafeKey(q.key) || !/^\d{1,15}$/.test(q.max) || !/^\d{1,12}$/.test(q.exp)) {
    return { ok: false, reason: 'malformed' };
  }
  if (q.ct.length === 0 || q.ct.length > 200 || /[\r\n]/.test(q.ct))
    return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(signUpload(q, secret), 'base64url');
  const given = Buffer.from(q.sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad signature' };
  if (Number(q.exp) * 1000 <= now) return { ok: false, reason: 'expired' };
  return { ok: true, contentType: q.ct, maxBytes: Number(q.max) };
}
