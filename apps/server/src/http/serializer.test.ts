import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Photo } from '@graminsta/contracts';
import { endpoints } from '@graminsta/contracts';
import { compileResponseSchema } from './serializer.ts';

const variant = (w: number) => ({
  url: `http://127.0.0.1:3000/blobs/p/1/${w}.webp`,
  width: w,
  height: (w * 3) / 4,
  avifUrl: `http://127.0.0.1:3000/blobs/p/1/${w}.avif`,
});
const variants = { thumb: variant(320), w640: variant(640), w1080: variant(1080) };

function photo(caption: string): Photo {
  return {
    id: '1001',
    owner: { id: '7', username: 'ada', displayName: 'Ada', avatarUrl: null },
    caption,
    altText: 'a cat',
    tags: [],
    status: 'ready',
    failureReason: null,
    variants,
    placeholderColor: '#123456',
    width: 1080,
    height: 810,
    likeCount: 2,
    commentCount: 0,
    likedByMe: true,
    savedByMe: false,
    media: [
      {
        id: '2001',
        status: 'ready',
        failureReason: null,
        variants: { ...variants, w2048: variant(2048) },
        width: 2048,
        height: 1536,
        placeholder: '#123456',
        altText: 'a cat',
      },
      {
        id: '2002',
        status: 'processing',
        failureReason: null,
        variants: null,
        width: null,
        height: null,
        placeholder: null,
        altText: '',
      },
    ],
    createdAt: '2026-12-03T07:00:00.000Z',
    editedAt: null,
  };
}

const Feed = endpoints.feed.response;
const viaZod = (schema: z.ZodType, data: unknown) => JSON.stringify(z.encode(schema, data as never));

describe('the compiled response serialiser', () => {
  it('compiles the response schema of every endpoint (none falls back to zod)', () => {
    for (const [name, e] of Object.entries(endpoints))
      expect(compileResponseSchema(e.response), name).not.toBeNull();
  });

  it('writes what the zod serialiser writes for a feed page', () => {
    const page = { items: [photo('#cats at home'), photo('')], nextCursor: 'abc' };
    const stringify = compileResponseSchema(Feed)!;
    expect(JSON.parse(stringify(page))).toEqual(JSON.parse(viaZod(Feed, page)));
  });

  it('never writes a key the contract does not declare', () => {
    const leaky = photo('hi') as Photo & Record<string, unknown>;
    const row = {
      ...leaky,
      sourceKey: 'uploads/secret',
      owner: { ...leaky.owner, passwordHash: 'scrypt$…', email: 'ada@example.com' },
      media: leaky.media.map((m) => ({ ...m, sourceKey: 'uploads/secret' })),
    };
    const out = compileResponseSchema(Feed)!({ items: [row], nextCursor: null });
    expect(out).not.toMatch(/passwordHash|scrypt|email|sourceKey|uploads\/secret/);
    expect(JSON.parse(out)).toEqual(JSON.parse(viaZod(Feed, { items: [row], nextCursor: null })));
  });

  it('fails a response that lacks a required field instead of sending it', () => {
    const { caption: _dropped, ...broken } = photo('x');
    expect(() => compileResponseSchema(Feed)!({ items: [broken], nextCursor: null })).toThrow(/caption/);
  });

  it('escapes any text as JSON.stringify does (quotes, controls, separators, lone surrogates)', () => {
    const stringify = compileResponseSchema(Feed)!;
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), (caption, alt) => {
        const p = photo(caption);
        p.altText = alt;
        const page = { items: [p], nextCursor: null };
        expect(stringify(page)).toBe(JSON.stringify(page));
      }),
      { numRuns: 300 },
    );
  });
});
