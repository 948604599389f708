/**
 * A GET sent again once when the kept-alive socket it went out on was closed under it.
 *
 * Our listeners drop a kept-alive socket after HTTP_KEEPALIVE_TIMEOUT_MS (5 s) of quiet. A caller
 * that reads /metrics on a slower rhythm (the doctor's two reads a window apart, a test's reads
 * around a long crowd) can pick such a socket from fetch's pool in the instant before the
 * client's own timer lets it go, and the request fails with "other side closed" although the
 * process is well. A GET is safe to send twice; a second failure is real and is thrown.
 */
export async function getAgain(url: string, init: { timeoutMs?: number } = {}): Promise<Response> {
  const once = () => fetch(url, init.timeoutMs ? { signal: AbortSignal.timeout(init.timeoutMs) } : undefined);
  try {
    return await once();
  } catch (err) {
    if (!closedUnder(err)) throw err;
    return once();
  }
}

function closedUnder(err: unknown): boolean {
  const code = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET';
}
