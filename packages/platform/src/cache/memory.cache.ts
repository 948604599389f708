import type { Cache, Json } from '../ports.ts';

export interface MemoryCacheOptions {
  /** Least recently used entries are evicted beyond this count. */
  maxEntries?: number;
  /** Applied when set() gives no TTL; unset means entries live until evicted. */
  defaultTtlSeconds?: number;
  now?: () => number;
}

interface Entry {
  // Stored as JSON text so neither the setter nor any reader can mutate the cached value.
  text: string;
  expiresAt: number;
}

/** In-process LRU cache with per-entry TTL (stages 1–5). */
export class MemoryCache implements Cache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly opts: MemoryCacheOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.now = opts.now ?? Date.now;
    if (this.maxEntries < 1) throw new Error('maxEntries must be at least 1');
  }

  async get<T extends Json>(key: string): Promise<T | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    // Re-insert to mark it most recently used (Map keeps insertion order).
    this.entries.delete(key);
    this.entries.set(key, entry);
    return JSON.parse(entry.text) as T;
  }

  async set(key: string, value: Json, ttlSeconds?: number): Promise<void> {
    const ttl = ttlSeconds ?? this.opts.defaultTtlSeconds;
    const expiresAt = ttl === undefined ? Infinity : this.now() + ttl * 1000;
    this.entries.delete(key);
    if (ttl !== undefined && ttl <= 0) return;
    this.entries.set(key, { text: JSON.stringify(value), expiresAt });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.entries.delete(key);
  }

  /** Number of entries held, expired ones included until touched. */
  get size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
