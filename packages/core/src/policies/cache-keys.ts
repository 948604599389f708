import { noCache, type Json, type ReadCache } from '@graminsta/platform';

/**
 * The keys of cache-aside reads, in one place so a write names exactly what a read stored.
 * Every value under them is the same for every viewer; what depends on the viewer is computed
 * per request from them (see account.reads.ts, photo.reads.ts).
 */
export const cacheKeys = {
  /** An account: its row's public fields, counters, privacy and whether it is active. */
  user: (id: string) => `user:${id}`,
  /** A username (any case) → its account's id. Names never change; a name is free only once its account row is gone. */
  uname: (username: string) => `uname:${username.toLowerCase()}`,
  /** How two accounts stand towards each other, both ways: one entry for either viewer. */
  pair: (a: string, b: string) => {
    const [lo, hi] = ordered(a, b);
    return `rel:${lo}:${hi}`;
  },
  /** A post with its items and counters (like_count, comment_count). */
  photo: (id: string) => `photo:${id}`,
  /** Whether one viewer likes and saved one post. */
  photoViewer: (photoId: string, viewerId: string) => `pv:${photoId}:${viewerId}`,
};

/** The two ids in the order a pair entry keeps them (numeric: ids are 64-bit decimals). */
export function ordered(a: string, b: string): [string, string] {
  return BigInt(a) <= BigInt(b) ? [a, b] : [b, a];
}

/** The keys a change between two accounts touches: both accounts (their counters) and the pair. */
export function pairKeys(a: string, b: string): string[] {
  return [cacheKeys.user(a), cacheKeys.user(b), cacheKeys.pair(a, b)];
}

/** Whether reads go through a cache at all; with none (CACHE=off) the one-statement reads run. */
export function caching(cache: ReadCache | undefined): cache is ReadCache {
  return cache !== undefined && cache !== noCache;
}

/**
 * Reads `key` through the cache. Entry types are plain data built from JSON-safe fields (Dates
 * travel as ISO strings); TypeScript cannot see an interface as `Json`, hence the one cast here.
 */
export function cachedRead<T>(cache: ReadCache, key: string, load: () => Promise<T>): Promise<T> {
  return cache.read(key, load as () => Promise<Json>) as Promise<T>;
}

/**
 * Drops `keys` everywhere after a write committed. A failure is reported, not thrown: the write
 * stands, and the entries it could not drop expire within the TTL.
 */
export async function invalidateAfterCommit(
  cache: ReadCache | undefined,
  keys: readonly string[],
  onError?: (err: unknown) => void,
): Promise<void> {
  if (!caching(cache) || keys.length === 0) return;
  try {
    await cache.invalidate([...new Set(keys)]);
  } catch (err) {
    (onError ?? console.error)(err);
  }
}
