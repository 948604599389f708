import { isDeepStrictEqual } from 'node:util';
import type { Json, ReadCache } from '@graminsta/platform';

/**
 * A ReadCache over a Map, for tests: no TTL, no single-flight, and it records what it was asked,
 * so a test can tell a warm read from a load. Values are kept as JSON text, the way a cache in
 * another process would see them; one that does not survive JSON (a Date, an undefined) throws.
 */
export class MapReadCache implements ReadCache {
  readonly entries = new Map<string, string>();
  readonly reads: string[] = [];
  readonly loads: string[] = [];
  readonly invalidated: string[] = [];

  async read<T extends Json>(key: string, load: () => Promise<T>): Promise<T> {
    this.reads.push(key);
    const stored = this.entries.get(key);
    if (stored !== undefined) return JSON.parse(stored) as T;
    this.loads.push(key);
    const value = await load();
    const text = JSON.stringify(value);
    if (!isDeepStrictEqual(JSON.parse(text), value)) throw new Error(`${key}: not a JSON value`);
    this.entries.set(key, text);
    return JSON.parse(text) as T;
  }

  async invalidate(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      this.invalidated.push(key);
      this.entries.delete(key);
    }
  }

  /** Forgets what was asked (the entries stay). */
  clearLog(): void {
    this.reads.length = 0;
    this.loads.length = 0;
    this.invalidated.length = 0;
  }
}
