/**
 * Asks `url` until it answers 2xx. A readiness wait, not a timing check: the default is generous
 * for machines busy with other work, and a slow answer counts until the deadline.
 */
export async function waitReady(url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`not ready in ${timeoutMs / 1000} s: ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
