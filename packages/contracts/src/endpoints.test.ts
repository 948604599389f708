import { describe, expect, expectTypeOf, it } from 'vitest';
import { Id } from './common.ts';
import {
  endpoints,
  fillPath,
  type EndpointInput,
  type EndpointOutput,
  type EndpointRequest,
} from './endpoints.ts';
import type { Photo } from './photos.ts';

describe('the endpoint table', () => {
  it('names each operation once, by method and path and by operationId', () => {
    const all = Object.values(endpoints);
    expect(new Set(all.map((e) => `${e.method} ${e.path}`)).size).toBe(all.length);
    expect(new Set(all.map((e) => e.operationId)).size).toBe(all.length);
    for (const e of all) {
      expect(e.path).toMatch(/^\/api\/v1\//);
      // A path parameter is declared by the params schema, and only those.
      const inPath: string[] = [];
      fillPath(e.path, (name) => (inPath.push(name), name));
      inPath.sort();
      const declared = 'params' in e ? Object.keys(e.params.shape).sort() : [];
      expect(inPath, e.operationId).toEqual(declared);
      if (e.method === 'GET') expect('body' in e, e.operationId).toBe(false);
    }
  });

  it('types what clients send and what handlers get from the same entry', () => {
    expectTypeOf<EndpointInput<'addComment'>>().toEqualTypeOf<
      { params: { id: string } } & { query?: never } & { body: { body: string } }
    >();
    expectTypeOf<EndpointInput<'getMe'>>().toEqualTypeOf<
      { params?: never } & { query?: never } & { body?: never }
    >();
    expectTypeOf<EndpointRequest<'listUserPhotos'>['query']>().toEqualTypeOf<{
      cursor?: string | undefined;
      limit: number;
    }>();
    expectTypeOf<EndpointOutput<'getPhoto'>>().toEqualTypeOf<Photo>();
  });

  it('takes as an id only what fits a signed 64-bit column', () => {
    expect(Id.safeParse('9223372036854775807').success).toBe(true);
    expect(Id.safeParse('9223372036854775808').success).toBe(false);
    expect(Id.safeParse('12345678901234567890').success).toBe(false);
    expect(Id.safeParse('0x10').success).toBe(false);
    expect(Id.safeParse('').success).toBe(false);
    // Refused, not thrown: a thrown error would answer 500 where 400 is due.
    expect(Id.safeParse('abcdef').success).toBe(false);
  });
});
