import { z } from 'zod';
import { text } from './text.ts';

// Largest signed 64-bit integer: ids are bigint columns.
const MAX_ID = 2n ** 63n - 1n;

/**
 * 64-bit ids travel as decimal strings: JSON numbers lose precision past 2^53. A value that
 * passes fits a bigint column, so services never check an id's form again.
 */
export const Id = text()
  .max(19)
  // abort: the range check below must never see a value that is not digits (BigInt would throw).
  .regex(/^[0-9]{1,19}$/, { message: 'must be a decimal id', abort: true })
  .refine((value) => BigInt(value) <= MAX_ID, 'must be a decimal id below 2^63');

export const Cursor = text().min(1).max(200);

export const PageQuery = z.object({
  cursor: Cursor.optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});
export type PageQuery = z.infer<typeof PageQuery>;

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const ERROR_STATUS = {
  validation_failed: 400,
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  /** A private account's photos, followers or following, asked for by a non-follower. */
  private: 403,
  /** A suspended account signing in. */
  suspended: 403,
  not_found: 404,
  conflict: 409,
  username_taken: 409,
  email_taken: 409,
  /** An export past its expiry, a mailed link already used or expired. */
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  /** Prometheus did not answer the operations page in time, or answered nonsense. */
  monitoring_unreachable: 502,
  unavailable: 503,
  /** No PROMETHEUS_URL: this topology runs without monitoring. */
  monitoring_off: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Ok = z.object({ ok: z.literal(true) });
