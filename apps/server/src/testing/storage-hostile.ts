import fc from 'fast-check';
import type { FuzzRequest } from './fuzz-client.ts';
import { brokenEscape, contentType, controlString, percentEncode } from './hostile.ts';

/** Paths that name no stored object, only what lies around the blob folder. */
export const TRAVERSALS = [
  '../secret',
  '../../secret',
  '..%2fsecret',
  '%2e%2e%2fsecret',
  '%2e%2e/%2e%2e/secret',
  '..%5csecret',
  'uploads/../../secret',
  'uploads/%2e%2e/%2e%2e/secret',
  '....//secret',
  '../pglite/PG_VERSION',
  '..%2fpglite%2fPG_VERSION',
  '%252e%252e%252fsecret',
  '/etc/passwd',
  '%00',
  'uploads/%00/x',
];

/** Reads of stored objects by broken or escaping paths: each must be refused. */
export const blobRead: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.oneof(fc.constantFrom(...TRAVERSALS), brokenEscape, controlString.map(percentEncode)),
    fc.constantFrom('GET', 'HEAD', 'DELETE', 'POST'),
  )
  .map(([path, method]) => ({ method, path: `/storage/blobs/${path}`, headers: {}, mustRefuse: true }));

/**
 * PUTs to a signed upload target with its key, query, content type or size broken. Only the
 * target exactly as signed, with the signed type and at most `max` bytes, may be taken.
 */
export function uploadWrite(target: URL, signedType: string, maxBytes: number): fc.Arbitrary<FuzzRequest> {
  const key = target.pathname.replace(/^\/storage\/uploads\//, '');
  const query = target.search.replace(/^\?/, '');
  const params = new URLSearchParams(query);
  const withParam = (name: string, value: string) => {
    const p = new URLSearchParams(params);
    p.set(name, value);
    return p.toString();
  };
  const without = (name: string) => {
    const p = new URLSearchParams(params);
    p.delete(name);
    return p.toString();
  };
  const sig = params.get('sig') ?? '';
  const brokenQuery = fc.constantFrom(
    withParam('sig', sig.slice(0, -2) + (sig.endsWith('AA') ? 'BB' : 'AA')),
    withParam('exp', '1'),
    withParam('exp', '9'.repeat(40)),
    withParam('max', String(maxBytes * 1000)),
    withParam('ct', 'image/jpeg'),
    withParam('ct', 'image/png\r\nx: y'),
    without('sig'),
    without('exp'),
    `${query}&sig=${sig}`,
    '',
  );
  return fc
    .tuple(
      fc.oneof(
        { weight: 3, arbitrary: fc.constant({ k: key, bad: false }) },
        { weight: 1, arbitrary: fc.constantFrom(...TRAVERSALS).map((k) => ({ k, bad: true })) },
        { weight: 1, arbitrary: brokenEscape.map((k) => ({ k, bad: true })) },
        { weight: 1, arbitrary: controlString.map((s) => ({ k: percentEncode(s), bad: true })) },
      ),
      fc.oneof(
        { weight: 2, arbitrary: fc.constant({ q: query, bad: false }) },
        { weight: 3, arbitrary: brokenQuery.map((q) => ({ q, bad: true })) },
        // Unknown parameters beside an intact signed query are harmless: the upload may be taken.
        { weight: 1, arbitrary: brokenEscape.map((e) => ({ q: `${query}&${e}`, bad: false })) },
        { weight: 1, arbitrary: fc.constant({ q: `${query}&ct[]=x`, bad: false }) },
      ),
      fc.oneof(
        { weight: 2, arbitrary: fc.constant({ t: signedType, bad: false }) },
        { weight: 1, arbitrary: contentType.map((t) => ({ t, bad: true })) },
      ),
      fc.oneof(
        fc.uint8Array({ maxLength: maxBytes }).map((b) => ({ b: Buffer.from(b), bad: false })),
        fc
          .integer({ min: maxBytes + 1, max: maxBytes * 4 })
          .map((n) => ({ b: Buffer.alloc(n, 7), bad: true })),
      ),
    )
    .map(([k, q, t, b]) => ({
      method: 'PUT',
      path: `/storage/uploads/${k.k}?${q.q}`,
      headers: { 'content-type': t.t },
      body: b.b,
      mustRefuse: k.bad || q.bad || t.bad || b.bad,
    }));
}
