/**
 * Asks `url` until it answers 2xx. A readiness wait, not a timing check: the default is generous
 * for machines busy with other work.
 */
export async function waitReady(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`not ready in ${timeoutMs / 1000} s: ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
