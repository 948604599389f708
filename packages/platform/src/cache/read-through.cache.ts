import { randomUUID } from 'node:crypto';
import type { CacheOutcome, CacheStore, Json, PubSub, ReadCache, Unsubscribe } from '../ports.ts';
import { Circuit } from './circuit.ts';
import { onPrimary } from '../replica/context.ts';
import { HotKeys, type Copy, type L1Options } from './hot-keys.ts';

/** The pub/sub channel that carries invalidations between processes. */
export const INVALIDATE_CHANNEL = 'cache.invalidate';

export interface ReadThroughCacheOptions {
  store: CacheStore;
  /** How long a cached read stays fresh (CACHE_TTL_SECONDS). */
  ttlSeconds: number;
  /** Spread of freshness, ± this share of the TTL, so keys filled together do not expire together. */
  jitter?: number;
  /** How long past freshness an entry is kept to be served while one caller refreshes it (default: the TTL). */
  staleSeconds?: number;
  /**
   * How long a lease lasts unless renewed (ms). Its holder renews it every third of that while it
   * loads, so this is how soon another process takes over from a holder that died mid-load.
   */
  leaseMs?: number;
  /** The longest a miss waits for another process's load before loading itself, unfilled (ms). */
  waitMs?: number;
  /** Invalidations to and from the other processes; without it, the L1 is off. */
  pubsub?: PubSub;
  /**
   * The store is this process's own (MemoryCacheStore): another process's invalidation must drop
   * its entries too, and an L1 in front of it would only copy it.
   */
  storePerProcess?: boolean;
  /** The in-process copy of hot keys; false for none (CACHE_L1=off). */
  l1?: L1Options | false;
  /** After a store error, how long before a probe (ms). */
  circuitOpenMs?: number;
  /** Invalidations kept for replay while the store is down. */
  maxPendingInvalidations?: number;
  onOutcome?: (outcome: CacheOutcome, key: string) => void;
  onStoreUp?: (up: boolean) => void;
  /** Store and pub/sub failures (they never fail a read or a write). */
  onError?: (err: unknown) => void;
}

export interface CacheState {
  storeUp: boolean;
  l1Size: number;
  pendingInvalidations: number;
  flights: number;
  /** Whether this process hears other processes' invalidations. */
  listening: boolean;
}

interface Served extends Copy {
  outcome: CacheOutcome;
}

interface Flight {
  promise: Promise<Served>;
  /** Set when the key is invalidated mid-flight: its answer is then not copied to the L1. */
  invalidated: boolean;
}

/** A store call failed: distinguishes the store's failures from the load's. */
class StoreFailure extends Error {
  constructor(readonly original: unknown) {
    super('cache store failed', { cause: original });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MAX_BROADCAST_CHARS = 6_000;
const PROBE_KEY = 'graminsta:probe';

/**
 * Cache-aside reads over a CacheStore, built so that a hot key expiring under load sends one
 * query to the database, not one per request:
 * - single-flight: concurrent reads of one key in a process share one store read or load;
 * - the store's lease: across processes, the holder loads and fills, the others poll the store;
 * - stale-while-revalidate: an entry past its freshness is served while one caller refreshes it;
 * - an L1 of hot keys in process, dropped on every invalidation (broadcast over pub/sub);
 * - a circuit breaker: while the store is down, reads load from the database (still
 *   single-flighted) and invalidations wait to be replayed; nothing fails because of the store.
 */
export class ReadThroughCache implements ReadCache {
  private readonly store: CacheStore;
  private readonly ttlMs: number;
  private readonly jitter: number;
  private readonly staleMs: number;
  private readonly leaseMs: number;
  private readonly waitMs: number;
  private readonly l1: HotKeys | null;
  private readonly circuit: Circuit;
  private readonly flights = new Map<string, Flight>();
  private readonly refreshing = new Set<string>();
  private readonly id = randomUUID();
  private unsubscribe: Unsubscribe | null = null;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  /** Resolves once this process hears invalidations (at once without pub/sub). */
  readonly listening: Promise<void>;

  constructor(private readonly opts: ReadThroughCacheOptions) {
    this.store = opts.store;
    this.ttlMs = opts.ttlSeconds * 1000;
    this.jitter = opts.jitter ?? 0.1;
    this.staleMs = (opts.staleSeconds ?? opts.ttlSeconds) * 1000;
    this.leaseMs = opts.leaseMs ?? 3_000;
    this.waitMs = opts.waitMs ?? Math.max(10_000, this.leaseMs * 2);
    // Without a bus, another process's write could not drop the copy: no L1.
    this.l1 = opts.l1 === false || !opts.pubsub || opts.storePerProcess ? null : new HotKeys(opts.l1);
    this.circuit = new Circuit({
      openMs: opts.circuitOpenMs ?? 1_000,
      maxPending: opts.maxPendingInvalidations ?? 10_000,
      entryLifetimeMs: this.ttlMs * (1 + this.jitter) + this.staleMs,
      probe: (keys) => this.replay(keys),
      onChange: (up) => {
        // Invalidations broadcast while the store was down may be lost: no copy survives it.
        this.l1?.clear();
        opts.onStoreUp?.(up);
      },
      onError: (err) => opts.onError?.(err),
    });
    this.listening = this.listen();
  }

  async read<T extends Json>(key: string, loader: () => Promise<T>): Promise<T> {
    // What is loaded here is kept for everyone: read from the primary, never a lagging replica.
    const load = () => onPrimary(loader);
    // A caller's bug, said at once (the store would refuse it, and that would open the circuit).
    if (key === '') throw new TypeError('a cache key may not be empty');
    if (this.l1) {
      this.l1.touch(key);
      const copy = this.l1Usable() ? this.l1.get(key) : undefined;
      if (copy) return this.answer(key, copy, 'l1_hit') as T;
    }
    const joined = this.flights.get(key);
    if (joined) {
      const served = await joined.promise;
      // Waiting on this process's own load is coalescing too; a shared store hit stays a hit.
      return this.answer(key, served, served.outcome === 'miss' ? 'coalesced' : served.outcome) as T;
    }
    const flight: Flight = { promise: undefined as never, invalidated: false };
    flight.promise = this.fly(key, load, flight).finally(() => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    });
    this.flights.set(key, flight);
    const served = await flight.promise;
    return this.answer(key, served, served.outcome) as T;
  }

  async invalidate(given: readonly string[]): Promise<void> {
    const keys = given.filter((key) => key !== '');
    if (keys.length === 0) return;
    this.dropLocal(keys);
    if (this.circuit.isOpen) {
      this.circuit.lost(keys);
    } else {
      try {
        await this.store.delete(keys);
      } catch (err) {
        this.circuit.failed(err);
        this.circuit.lost(keys);
      }
    }
    // Again: a read that began while the store still held the old entry must not keep it here.
    this.dropLocal(keys);
    await this.broadcast(keys);
  }

  state(): CacheState {
    return {
      storeUp: !this.circuit.isOpen,
      l1Size: this.l1?.size ?? 0,
      pendingInvalidations: this.circuit.pendingCount,
      flights: this.flights.size,
      listening: this.unsubscribe !== null || !this.opts.pubsub,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.circuit.stop();
    await this.unsubscribe?.().catch(() => {});
    await this.store.close();
  }

  /** Copies are kept only while this process hears invalidations and the store is trusted. */
  private l1Usable(): boolean {
    return this.unsubscribe !== null && this.circuit.usable;
  }

  private answer(key: string, copy: Copy, outcome: CacheOutcome): Json {
    this.opts.onOutcome?.(outcome, key);
    // Every caller gets its own copy: one that changes it changes nothing for the others.
    return JSON.parse(copy.text) as Json;
  }

  private async fly(key: string, load: () => Promise<Json>, flight: Flight): Promise<Served> {
    if (!this.circuit.usable) return this.fallback(load);
    let served: Served;
    try {
      served = await this.viaStore(key, load);
    } catch (err) {
      if (!(err instanceof StoreFailure)) throw err;
      this.circuit.failed(err.original);
      return this.fallback(load);
    }
    const fresh = served.outcome === 'hit' || served.outcome === 'miss' || served.outcome === 'coalesced';
    if (this.l1 && fresh && !flight.invalidated && this.l1Usable() && this.l1.isHot(key)) {
      this.l1.set(key, served);
    }
    return served;
  }

  private async fallback(load: () => Promise<Json>): Promise<Served> {
    const value = await load();
    return { text: textOf(value), freshUntil: 0, outcome: 'fallback' };
  }

  private async viaStore(key: string, load: () => Promise<Json>): Promise<Served> {
    const entry = await this.get(key);
    if (entry && entry.freshUntil > Date.now()) return { ...entry, outcome: 'hit' };
    if (entry) {
      this.refresh(key, load);
      return { ...entry, outcome: 'stale' };
    }
    return this.loadUnderLease(key, load);
  }

  /** A miss: the lease holder loads and fills; the others poll the store for its answer. */
  private async loadUnderLease(key: string, load: () => Promise<Json>): Promise<Served> {
    const deadline = Date.now() + this.waitMs;
    for (let delay = 5; ; delay = Math.min(delay * 2, 50)) {
      const token = await this.call(() => this.store.lease(key, this.leaseMs));
      if (token) {
        // Another process may have filled it between our miss and our lease.
        const filled = await this.get(key);
        if (filled && filled.freshUntil > Date.now()) return { ...filled, outcome: 'coalesced' };
        return this.loadAndFill(key, token, load, true);
      }
      if (Date.now() >= deadline) {
        // The holder is too slow: answer without filling (its fill is still due).
        return { text: textOf(await load()), freshUntil: 0, outcome: 'miss' };
      }
      await sleep(delay);
      const entry = await this.get(key);
      if (entry) return { ...entry, outcome: 'coalesced' };
    }
  }

  private async loadAndFill(
    key: string,
    token: string,
    load: () => Promise<Json>,
    release: boolean,
  ): Promise<Served> {
    let value: Json;
    // A load slower than the lease (a busy process, a slow query) keeps it: the crowd in other
    // processes goes on waiting for this one instead of loading too.
    const renewal = setInterval(() => {
      this.store.renew(key, token, this.leaseMs).catch(() => {});
    }, this.leaseMs / 3);
    renewal.unref();
    try {
      value = await load();
    } catch (err) {
      // A miss frees the key at once for the waiters (nothing but this lease could have filled it);
      // a failed refresh keeps its stale entry, and its lease lapses.
      if (release) await this.store.delete([key]).catch(() => {});
      throw err;
    } finally {
      clearInterval(renewal);
    }
    const ttl = this.ttlMs * (1 + this.jitter * (2 * Math.random() - 1));
    const freshUntil = Date.now() + ttl;
    try {
      await this.store.fill(key, token, { value, freshUntil }, (ttl + this.staleMs) / 1000);
    } catch (err) {
      this.circuit.failed(err);
    }
    return { text: textOf(value), freshUntil, outcome: 'miss' };
  }

  /** Stale-while-revalidate: one caller (the lease holder, across processes) refreshes in the background. */
  private refresh(key: string, load: () => Promise<Json>): void {
    if (this.refreshing.has(key)) return;
    this.refreshing.add(key);
    const run = async () => {
      const token = await this.call(() => this.store.lease(key, this.leaseMs));
      if (!token) return;
      const again = await this.get(key);
      if (again && again.freshUntil > Date.now()) return; // refreshed elsewhere meanwhile
      await this.loadAndFill(key, token, load, false);
    };
    void run()
      .catch((err: unknown) => {
        if (err instanceof StoreFailure) this.circuit.failed(err.original);
        else this.opts.onError?.(err);
      })
      .finally(() => this.refreshing.delete(key));
  }

  private async get(key: string): Promise<Copy | null> {
    const [entry] = await this.call(() => this.store.getMany([key]));
    return entry ? { text: textOf(entry.value), freshUntil: entry.freshUntil } : null;
  }

  private async call<R>(op: () => Promise<R>): Promise<R> {
    try {
      return await op();
    } catch (err) {
      throw new StoreFailure(err);
    }
  }

  private dropLocal(keys: readonly string[]): void {
    for (const key of keys) {
      this.l1?.delete(key);
      const flight = this.flights.get(key);
      if (flight) {
        // Reads from now on start a new flight: none joins one that may carry the old value.
        flight.invalidated = true;
        this.flights.delete(key);
      }
    }
  }

  /** The probe of a store that failed: replays the invalidations it missed, or just asks it something. */
  private async replay(keys: string[]): Promise<void> {
    if (keys.length === 0) {
      await this.store.getMany([PROBE_KEY]);
      return;
    }
    for (let i = 0; i < keys.length; i += 500) await this.store.delete(keys.slice(i, i + 500));
  }

  private async broadcast(keys: readonly string[]): Promise<void> {
    const bus = this.opts.pubsub;
    // With the store down its bus is too (each publish would wait for its timeout): the other
    // processes' copies live out their short L1 time, and theirs are bypassed once they notice.
    if (!bus || (this.circuit.isOpen && !this.opts.storePerProcess)) return;
    for (const batch of batches(keys, MAX_BROADCAST_CHARS)) {
      try {
        await bus.publish(INVALIDATE_CHANNEL, { from: this.id, keys: batch });
      } catch (err) {
        // The other processes' copies then live out their short L1 time.
        this.opts.onError?.(err);
      }
    }
  }

  private async listen(): Promise<void> {
    const bus = this.opts.pubsub;
    if (!bus || this.closed) return;
    try {
      this.unsubscribe = await bus.subscribe(INVALIDATE_CHANNEL, (message) => this.heard(message));
      if (this.closed) await this.unsubscribe();
    } catch (err) {
      this.opts.onError?.(err);
      // Until it listens, this process keeps no copies it could not drop.
      this.l1?.clear();
      this.retry = setTimeout(() => void this.listen(), 1_000);
      this.retry.unref();
    }
  }

  private heard(message: Json): void {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) return;
    const { from, keys } = message;
    if (from === this.id || !Array.isArray(keys)) return;
    const dropped = keys.filter((key): key is string => typeof key === 'string');
    this.dropLocal(dropped);
    if (this.opts.storePerProcess)
      this.store.delete(dropped).catch((err: unknown) => this.opts.onError?.(err));
  }
}

function textOf(value: Json): string {
  return JSON.stringify(value) ?? 'null';
}

/** Splits keys into batches whose JSON stays under `maxChars` (pub/sub messages are bounded). */
function batches(keys: readonly string[], maxChars: number): string[][] {
  const out: string[][] = [];
  let batch: string[] = [];
  let size = 0;
  for (const key of keys) {
    const cost = key.length + 4;
    if (batch.length > 0 && size + cost > maxChars) {
      out.push(batch);
      batch = [];
      size = 0;
    }
    batch.push(key);
    size += cost;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}
