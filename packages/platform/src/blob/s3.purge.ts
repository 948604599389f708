export interface PurgeFailure {
  url: string;
  /** The edge's status, or the network error's message. */
  reason: string;
}

const PURGE_TIMEOUT_MS = 2000;

/**
 * Evicts each key from each edge's cache: `PURGE ${base}/${key}` (nginx's cache-purge module).
 * A key the edge never cached answers 404, which is success here. Failures are returned, never
 * thrown: the objects are already gone from storage, and an edge that missed the purge keeps a
 * copy only until its cache entry expires.
 */
export async function purgeEdges(bases: string[], keys: string[]): Promise<PurgeFailure[]> {
  const urls = bases.flatMap((base) => keys.map((key) => `${base.replace(/\/+$/, '')}/${key}`));
  const results = await Promise.all(
    urls.map(async (url): Promise<PurgeFailure | null> => {
      try {
        const res = await fetch(url, { method: 'PURGE', signal: AbortSignal.timeout(PURGE_TIMEOUT_MS) });
        await res.body?.cancel();
        return res.ok || res.status === 404 ? null : { url, reason: `HTTP ${res.status}` };
      } catch (err) {
        return { url, reason: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
  return results.filter((r): r is PurgeFailure => r !== null);
}
