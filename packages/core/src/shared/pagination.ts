import type { Page } from '@graminsta/contracts';
import { AppError } from '../errors.ts';

/**
 * Keyset pagination helpers. Repositories fetch `limit + 1` rows past the cursor;
 * the extra row only tells whether a next page exists and is never returned.
 */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (last: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}

/** Maps the items of a page, keeping its cursor. */
export function mapPage<T, U>(page: Page<T>, fn: (item: T) => U): Page<U> {
  return { items: page.items.map(fn), nextCursor: page.nextCursor };
}

const invalidCursor = () => new AppError('validation_failed', 'invalid cursor');

// Largest signed 64-bit integer: ids are bigint columns.
const MAX_ID = 2n ** 63n - 1n;

export function isId(value: string): boolean {
  return /^[0-9]{1,19}$/.test(value) && BigInt(value) <= MAX_ID;
}

/** An id cursor is the last id of the previous page, as its decimal string. */
export function encodeIdCursor(id: string): string {
  return id;
}

export function decodeIdCursor(cursor: string): string;
export function decodeIdCursor(cursor: string | undefined): string | undefined;
export function decodeIdCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  if (!isId(cursor)) throw invalidCursor();
  return cursor;
}

/** A cursor of several parts (e.g. a timestamp and an id), opaque to clients. */
export function encodeCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** Decodes a cursor made by encodeCursor with exactly `arity` string parts. */
export function decodeCursor(cursor: string, arity: number): string[] {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parts) || parts.length !== arity || !parts.every((p) => typeof p === 'string')) {
    throw invalidCursor();
  }
  return parts as string[];
}
