import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { CacheEntry, CacheStore } from '../ports.ts';

export interface MemoryCacheStoreOptions {
  /** Most entries kept; the least recently used go first. */
  maxEntries?: number;
}

/**
 * The cache store of one process (stage 1, and tests): an LRU of entries kept as JSON text, so a
 * caller that changes what it was given never changes what the next caller reads.
 */
export class MemoryCacheStore implements CacheStore {
  private readonly entries: LRUCache<string, string>;
  private readonly leases: LRUCache<string, string>;

  constructor(opts: MemoryCacheStoreOptions = {}) {
    const max = opts.maxEntries ?? 10_000;
    this.entries = new LRUCache({ max });
    this.leases = new LRUCache({ max });
  }

  async getMany(keys: readonly string[]): Promise<Array<CacheEntry | null>> {
    return keys.map((key) => {
      const text = this.entries.get(key);
      return text === undefined ? null : (JSON.parse(text) as CacheEntry);
    });
  }

  async lease(key: string, ms: number): Promise<string | null> {
    if (this.leases.has(key)) return null;
    const token = randomBytes(12).toString('base64url');
    this.leases.set(key, token, { ttl: ms });
    return token;
  }

  async fill(key: string, token: string, entry: CacheEntry, ttlSeconds: number): Promise<boolean> {
    if (this.leases.get(key) !== token) return false;
    this.entries.set(key, JSON.stringify(entry), { ttl: ttlSeconds * 1000 });
    this.leases.delete(key);
    return true;
  }

  async renew(key: string, token: string, ms: number): Promise<boolean> {
    if (this.leases.get(key) !== token) return false;
    this.leases.set(key, token, { ttl: ms });
    return true;
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      this.entries.delete(key);
      this.leases.delete(key);
    }
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.leases.clear();
  }
}
