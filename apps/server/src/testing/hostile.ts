import fc from 'fast-check';

/** Characters no text field may hold: C0, DEL, C1, lone surrogates, and U+FFFD (broken UTF-8). */
export const CONTROL_CHARACTERS = [
  '\u0000',
  '\u0001',
  '\u0008',
  '\u000b',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u009b',
];
const REFUSED = [...CONTROL_CHARACTERS, '\ud800', '\udc00', '\ufffd'];

/** A string with at least one refused character somewhere in it. */
export const controlString = fc
  .tuple(fc.string({ maxLength: 12 }), fc.constantFrom(...REFUSED), fc.string({ maxLength: 12 }))
  .map(([a, bad, b]) => `${a}${bad}${b}`);

/** `%`-escapes of a string's UTF-8 bytes (encodeURIComponent throws on a lone surrogate). */
export const percentEncode = (s: string) =>
  [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

/** Path segments and query values a router or decoder may choke on. */
export const brokenEscape = fc.constantFrom(
  '%',
  '%z',
  '%%',
  '%E0%A4',
  '%C3%28',
  '%FF%FE',
  '%00',
  '%ED%A0%80',
  '..%2f..%2fsecret',
  '%2e%2e',
  '%252e%252e%252f',
  'caf\u00e9',
  'x'.repeat(3000),
);

/** A value of the wrong type, or text that must be refused, for any JSON field. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  controlString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  fc.constant('9'.repeat(400)),
);

const nested = (depth: number, open: string, close: string, leaf: string) =>
  open.repeat(depth) + leaf + close.repeat(depth);
const invalidUtf8 = [
  Buffer.from([0xc3, 0x28]),
  Buffer.from([0xff]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xe2, 0x82]),
];

/** Bodies that are not the JSON a route takes: random bytes, broken UTF-8, deep, huge, truncated. */
export function rawBody(fields: string[]): fc.Arbitrary<Buffer> {
  const field = fc.constantFrom(...(fields.length ? fields : ['x']));
  return fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
    fc
      .tuple(field, fc.constantFrom(...invalidUtf8))
      .map(([f, bad]) => Buffer.concat([Buffer.from(`{"${f}":"ab`), bad, Buffer.from('cd"}')])),
    fc.integer({ min: 500, max: 12_000 }).map((n) => Buffer.from(nested(n, '[', ']', '1'))),
    fc.integer({ min: 500, max: 10_000 }).map((n) => Buffer.from(nested(n, '{"a":', '}', '1'))),
    fc.constant(Buffer.from(JSON.stringify({ [fields[0] ?? 'x']: 'a'.repeat(70_000) }))),
    fc.constantFrom('{', '{"a":', '[1,', '"', 'nul', '{"__proto__":{"x":1}}', '').map((s) => Buffer.from(s)),
  );
}

export const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/json;;;',
  'application/jsonx',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '*/*',
  '',
);

/** Cookies with broken escapes and bytes (latin1: what an HTTP header can carry). */
export const brokenCookie = (name: string) =>
  fc.constantFrom(
    `${name}=%E0%A4%A`,
    `${name}=%`,
    `${name}=\u00ff\u0080`,
    `${name}="unterminated`,
    `${name}=a; ${name}=b`,
    `=${name}`,
    `${name}=${'x'.repeat(5000)}`,
    ';;;=',
  );
