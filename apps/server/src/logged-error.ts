/**
 * How an error appears in the log: its type, message, stack, cause and a few safe fields, and
 * never the values a failed query carried. Drizzle's error message ends with the query's
 * parameters (a password hash, a bio), and PostgreSQL's `detail` and `where` quote row values,
 * so parameters are cut from messages and only fields known to hold no values are copied.
 */
const SAFE_FIELDS = [
  'code',
  'statusCode',
  'severity',
  'constraint',
  'table',
  'column',
  'schema',
  'routine',
  'validationContext',
];
const MAX_CAUSES = 5;

export interface LoggedError {
  type: string;
  message: string;
  stack?: string;
  cause?: LoggedError;
  [field: string]: unknown;
}

// DrizzleQueryError: "Failed query: <sql with $n placeholders>\nparams: <values>".
function withoutParams(message: string): string {
  const at = message.indexOf('\nparams: ');
  return at === -1 ? message : `${message.slice(0, at)}\nparams: [not logged]`;
}

export function loggedError(err: unknown, depth = 0): LoggedError {
  if (typeof err !== 'object' || err === null) return { type: typeof err, message: String(err) };
  const e = err as Error & Record<string, unknown>;
  const type = e.constructor?.name ?? 'Object';
  const rawMessage = typeof e.message === 'string' ? e.message : '';
  const message = withoutParams(rawMessage);
  const out: LoggedError = { type, message };
  // The stack's first lines repeat the message; keep the frames only when the message can be cut out.
  if (typeof e.stack === 'string') {
    const head = `${e.name}: ${rawMessage}`;
    if (e.stack.startsWith(head)) out.stack = `${e.name}: ${message}${e.stack.slice(head.length)}`;
    else if (message === rawMessage) out.stack = e.stack;
  }
  for (const field of SAFE_FIELDS) {
    const value = e[field];
    if (typeof value === 'string' || typeof value === 'number') out[field] = value;
  }
  if (e.cause !== undefined && depth < MAX_CAUSES) out.cause = loggedError(e.cause, depth + 1);
  return out;
}
