/** Deterministic randomness for the seed: the same seed always gives the same data set. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

/** mulberry32: tiny, fast and good enough for test data (not for anything secret). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

/**
 * Draws ranks 0..n-1 with P(rank r) ∝ 1 / (r + 1 + offset)^s (Zipf–Mandelbrot): rank 0 is drawn
 * most often, the tail rarely; `offset` flattens the head so no single rank dominates.
 * Binary search on a precomputed CDF keeps each draw O(log n).
 */
export function zipfSampler(n: number, s: number, offset: number, random: Random): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) {
    total += 1 / Math.pow(r + 1 + offset, s);
    cdf[r] = total;
  }
  return () => {
    const target = random.next() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Pareto draw (heavy tail) rounded down and clamped: most values near `min`, a few far above. */
export function paretoInt(random: Random, min: number, alpha: number, max: number): number {
  const u = 1 - random.next(); // in (0, 1], so the power never divides by zero
  return Math.min(max, Math.floor(min / Math.pow(u, 1 / alpha)));
}

/** `count` distinct integers from [0, n), in random order (partial Fisher–Yates). */
export function sampleDistinct(n: number, count: number, random: Random): number[] {
  const pool = Array.from({ length: n }, (_, i) => i);
  const take = Math.min(count, n);
  for (let i = 0; i < take; i++) {
    const j = random.int(i, n - 1);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, take);
}
