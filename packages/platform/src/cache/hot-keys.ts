import { LRUCache } from 'lru-cache';

export interface L1Options {
  /** Most hot keys copied in this process. */
  maxEntries?: number;
  /** How long a copy is served before the store is asked again (ms): bounds a lost invalidation. */
  ttlMs?: number;
  /** Reads of one key within one second, in this process, that make it hot. */
  hotReadsPerSecond?: number;
}

interface Counter {
  second: number;
  reads: number;
}

/** A cached value as this process keeps it: JSON text, parsed anew for each caller. */
export interface Copy {
  text: string;
  freshUntil: number;
}

/**
 * The L1: an in-process copy of the keys read most often here (a celebrity's profile), so a hot
 * read costs no round trip. Only hot keys are copied, so the copies stay few and the rest of the
 * cache keeps one truth, in the store.
 */
export class HotKeys {
  private readonly counters: LRUCache<string, Counter>;
  private readonly copies: LRUCache<string, Copy>;
  private readonly threshold: number;
  private readonly ttlMs: number;

  constructor(opts: L1Options = {}) {
    const max = opts.maxEntries ?? 1_000;
    this.threshold = opts.hotReadsPerSecond ?? 50;
    this.ttlMs = opts.ttlMs ?? 1_000;
    this.counters = new LRUCache({ max: max * 10 });
    this.copies = new LRUCache({ max });
  }

  /** Counts one read of `key`; true when the key is hot. */
  touch(key: string, now = Date.now()): boolean {
    const second = Math.floor(now / 1000);
    const counter = this.counters.get(key);
    if (!counter || counter.second !== second) {
      this.counters.set(key, { second, reads: 1 });
      return this.threshold <= 1;
    }
    counter.reads += 1;
    return counter.reads >= this.threshold;
  }

  /** Whether `key` is hot now, without counting a read. */
  isHot(key: string, now = Date.now()): boolean {
    const counter = this.counters.peek(key);
    return (
      counter !== undefined && counter.second === Math.floor(now / 1000) && counter.reads >= this.threshold
    );
  }

  /** The copy of `key` while it is fresh. */
  get(key: string, now = Date.now()): Copy | undefined {
    const copy = this.copies.get(key);
    return copy && copy.freshUntil > now ? copy : undefined;
  }

  set(key: string, copy: Copy): void {
    this.copies.set(key, copy, { ttl: this.ttlMs });
  }

  delete(key: string): void {
    this.copies.delete(key);
  }

  clear(): void {
    this.copies.clear();
  }

  get size(): number {
    return this.copies.size;
  }
}
