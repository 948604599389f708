import type { CacheOutcome, Json } from '../../ports.ts';

/** A stand-in for the database behind a cache: a value per key, and every load counted. */
export class Source {
  readonly values = new Map<string, Json>();
  loads = 0;
  delayMs = 0;
  failing: Error | null = null;

  load = (key: string) => async (): Promise<Json> => {
    this.loads += 1;
    // The row as it was when the query ran: a write meanwhile is not seen.
    const value = this.values.get(key) ?? null;
    const failing = this.failing;
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (failing) throw failing;
    return value;
  };
}

/** Counts a cache's outcomes, for its onOutcome hook. */
export class Outcomes {
  readonly counts: Partial<Record<CacheOutcome, number>> = {};
  readonly record = (outcome: CacheOutcome): void => {
    this.counts[outcome] = (this.counts[outcome] ?? 0) + 1;
  };
  reset(): void {
    for (const key of Object.keys(this.counts)) delete this.counts[key as CacheOutcome];
  }
}
