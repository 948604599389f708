import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { decodeCursor, decodeIdCursor, encodeCursor, pageOf } from './pagination.ts';

describe('pagination helpers', () => {
  it('returns limit items and a cursor only when another row exists', () => {
    const rows = [{ id: '5' }, { id: '4' }, { id: '3' }];
    expect(pageOf(rows, 2, (r) => r.id)).toEqual({ items: [{ id: '5' }, { id: '4' }], nextCursor: '4' });
    expect(pageOf(rows, 3, (r) => r.id)).toEqual({ items: rows, nextCursor: null });
    expect(pageOf([], 3, (r: { id: string }) => r.id)).toEqual({ items: [], nextCursor: null });
  });

  it('accepts id cursors and refuses garbage with validation_failed', () => {
    expect(decodeIdCursor('123456789012345678')).toBe('123456789012345678');
    expect(decodeIdCursor(undefined)).toBeUndefined();
    for (const bad of ['', 'abc', '-1', '1.5', '99999999999999999999', '9223372036854775808']) {
      expect(() => decodeIdCursor(bad)).toThrow(AppError);
      try {
        decodeIdCursor(bad);
      } catch (err) {
        expect((err as AppError).code).toBe('validation_failed');
      }
    }
  });

  it('round-trips composite cursors and refuses tampered ones', () => {
    const cursor = encodeCursor(['1700000000000000', '42']);
    expect(decodeCursor(cursor, 2)).toEqual(['1700000000000000', '42']);
    expect(() => decodeCursor(cursor, 3)).toThrow(AppError);
    expect(() => decodeCursor('not-json', 2)).toThrow(AppError);
    expect(() => decodeCursor(Buffer.from('[1,2]').toString('base64url'), 2)).toThrow(AppError);
  });
});
