import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { declaredApiRoutes } from '../testing/api-routes.ts';
import { createTestApp, type TestApp } from '../testing/test-app.ts';

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  valueType?: z.ZodType;
  left?: z.ZodType;
  right?: z.ZodType;
};

/** Every string leaf of a zod schema, by path: the fields a client can fill with text. */
function stringFields(schema: z.ZodType, path: string, out: Map<string, z.ZodType>): void {
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  if (def.type === 'string') out.set(path, schema);
  for (const [key, child] of Object.entries(def.shape ?? {})) stringFields(child, `${path}.${key}`, out);
  for (const child of [def.innerType, def.in, def.element, def.valueType, def.left, def.right])
    if (child) stringFields(child, path, out);
  for (const [i, option] of (def.options ?? []).entries()) stringFields(option, `${path}|${i}`, out);
}

/** The params, query and body schemas of every route the API registers, walked before any request. */
function requestStringFields(): Map<string, z.ZodType> {
  const fields = new Map<string, z.ZodType>();
  for (const route of declaredApiRoutes()) {
    for (const part of ['params', 'querystring', 'body'] as const) {
      const s = route.schema[part];
      if (s instanceof z.ZodType) stringFields(s, `${route.method} ${route.url} ${part}`, fields);
    }
  }
  return fields;
}

const VALID_SAMPLES = ['abcdef', '123456', 'image/jpeg', 'abc@example.com', 'a'.repeat(43)];
const REFUSED_EVERYWHERE = [
  '\u0000',
  '\u0001',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u009b',
  '\ud800',
  '\udfff',
  '\ufffd',
];

describe('control characters in request text fields', () => {
  it('every string field of every request schema refuses NUL and other control characters', () => {
    const fields = requestStringFields();
    // The walk must have found the free-text fields the bug was reported on, or it proves nothing.
    const paths = [...fields.keys()].join('\n');
    for (const expected of ['.bio', '.displayName', '.caption', '.body', 'querystring.q', '.username'])
      expect(paths).toContain(expected);
    for (const [path, schema] of fields) {
      const sample = VALID_SAMPLES.find((s) => schema.safeParse(s).success);
      expect(sample, `no valid sample for ${path}: add one`).toBeDefined();
      for (const bad of REFUSED_EVERYWHERE) {
        const value = `${sample!.slice(0, 3)}${bad}${sample!.slice(3)}`;
        expect(schema.safeParse(value).success, `${path} accepted U+${bad.charCodeAt(0).toString(16)}`).toBe(
          false,
        );
      }
    }
  });
});

describe('control characters over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('refuses NUL in a bio, display name, log-in name and search query with 400, changing nothing', async () => {
    const token = await t.signUp('nul.tester');
    const auth = { authorization: `Bearer ${token}` };
    const before = await t.snapshot();
    const answers = [
      await t.app.inject({ method: 'PATCH', url: '/api/v1/me', headers: auth, payload: { bio: 'a\u0000b' } }),
      await t.app.inject({
        method: 'PATCH',
        url: '/api/v1/me',
        headers: auth,
        payload: { displayName: 'a\u0000' },
      }),
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { username: 'nul\u0000tester', password: 'correct horse battery' },
      }),
      await t.app.inject({ method: 'GET', url: '/api/v1/search/users?q=nu%00l' }),
    ];
    for (const res of answers) {
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
    expect(await t.snapshot()).toEqual(before);
  });

  it('keeps newlines and tabs in multi-line fields, and refuses them in single-line ones', async () => {
    const token = await t.signUp('multi.liner');
    const auth = { authorization: `Bearer ${token}` };
    const bio = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/me',
      headers: auth,
      payload: { bio: 'line one\n\tline two' },
    });
    expect(bio.statusCode).toBe(200);
    expect(bio.json().bio).toBe('line one\n\tline two');
    const name = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/me',
      headers: auth,
      payload: { displayName: 'two\rlines' },
    });
    expect(name.statusCode).toBe(400);
  });
});
