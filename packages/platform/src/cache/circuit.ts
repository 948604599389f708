export interface CircuitOptions {
  /** After a failure, how long the store is left alone before a probe (ms); doubles while it stays down. */
  openMs: number;
  /** Invalidations kept for replay while the store is down; past this, the store is not trusted for a while. */
  maxPending: number;
  /** How long an entry can live in the store (ms): after a lost invalidation, the store is not trusted for that long. */
  entryLifetimeMs: number;
  /** Replays `keys` (deletes them from the store); throws while the store is still down. */
  probe: (keys: string[]) => Promise<void>;
  onChange: (up: boolean) => void;
  onError: (err: unknown) => void;
}

const MAX_OPEN_MS = 10_000;

/**
 * The store's circuit breaker. A failure opens it: reads skip the store (and so wait on no
 * timeouts) until a timed probe succeeds, and that probe first replays the invalidations the
 * store missed, so no entry they dropped can be served again. Too many missed invalidations to
 * keep: the store is bypassed until every entry written before them has expired.
 */
export class Circuit {
  private open = false;
  private openMs: number;
  private pending = new Set<string>();
  private overflowed = false;
  private distrustUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly opts: CircuitOptions) {
    this.openMs = opts.openMs;
  }

  /** Whether reads may use the store now. */
  get usable(): boolean {
    return !this.open && Date.now() >= this.distrustUntil;
  }

  get isOpen(): boolean {
    return this.open;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  failed(err: unknown): void {
    this.opts.onError(err);
    if (this.open || this.closed) return;
    this.open = true;
    this.opts.onChange(false);
    this.schedule();
  }

  /** Invalidations the store did not get: replayed by the probe. */
  lost(keys: readonly string[]): void {
    if (this.overflowed) {
      this.distrustUntil = Date.now() + this.opts.entryLifetimeMs;
      return;
    }
    for (const key of keys) this.pending.add(key);
    if (this.pending.size > this.opts.maxPending) {
      this.pending.clear();
      this.overflowed = true;
      this.distrustUntil = Date.now() + this.opts.entryLifetimeMs;
    }
  }

  stop(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.probe(), this.openMs);
    this.timer.unref();
  }

  private async probe(): Promise<void> {
    if (this.closed) return;
    const keys = [...this.pending];
    try {
      await this.opts.probe(keys);
    } catch (err) {
      this.opts.onError(err);
      this.openMs = Math.min(this.openMs * 2, MAX_OPEN_MS);
      return this.schedule();
    }
    // Keys lost while the probe ran stay pending for the next failure's replay (or are harmless now).
    for (const key of keys) this.pending.delete(key);
    if (this.pending.size > 0) return this.schedule();
    this.overflowed = false;
    this.open = false;
    this.openMs = this.opts.openMs;
    this.opts.onChange(true);
  }
}
