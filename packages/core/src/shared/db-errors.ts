/** PostgreSQL error helpers; drivers wrap the server error (drizzle puts it in `cause`). */
interface PgErrorLike {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
  cause?: unknown;
}

function pgErrorOf(err: unknown, code: string): PgErrorLike | null {
  for (
    let e = err as PgErrorLike | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as PgErrorLike, depth++
  ) {
    if (typeof e === 'object' && e.code === code) return e;
  }
  return null;
}

/** True when `err` is a unique violation, optionally of the named constraint or index. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const pgErr = pgErrorOf(err, '23505');
  if (!pgErr) return false;
  if (!constraint) return true;
  // PGlite does not always fill `constraint`; the message names it either way.
  return pgErr.constraint === constraint || String(pgErr.message ?? '').includes(`"${constraint}"`);
}
