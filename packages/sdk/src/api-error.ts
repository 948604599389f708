/** An error answer from the API (or a failure to reach it), as `{ status, code, message }`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    /** HTTP status; 0 when no answer arrived (network failure or abort). */
    readonly status: number,
    /** The API's error code (`validation_failed`, `not_found`…), or `network_error` / `aborted` / `http_<status>`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads `{"error":{code,message}}` from an error body; falls back to the status line. */
export function apiErrorFrom(status: number, bodyText: string, statusText = ''): ApiError {
  try {
    const body = JSON.parse(bodyText) as { error?: { code?: unknown; message?: unknown } };
    const { code, message } = body.error ?? {};
    if (typeof code === 'string' && typeof message === 'string') return new ApiError(status, code, message);
  } catch {
    // Not JSON (a proxy's HTML error page, say): use the status line below.
  }
  return new ApiError(status, `http_${status}`, statusText || `request failed with status ${status}`);
}
