import { RateLimiterDrizzle, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Db } from '@graminsta/platform';
import { rateLimits } from '../db/schema.ts';

export interface LimiterSpec {
  /** Keeps one limiter's keys apart from another's in the shared store. */
  keyPrefix: string;
  points: number;
  durationSec: number;
  /** Once the points are used up, refuse for this long (0: until the window ends). */
  blockSec?: number;
}

/**
 * Makes a limiter whose counters every instance shares. The database at stages 1–5; stage 6
 * passes one that makes a RateLimiterRedis, and nothing else changes.
 */
export type LimiterStore = (spec: LimiterSpec) => RateLimiterAbstract;

/** Counters in the `rate_limits` table, through rate-limiter-flexible's atomic Drizzle upsert. */
export function databaseLimiterStore(db: Db): LimiterStore {
  return (spec) =>
    new RateLimiterDrizzle({
      storeClient: db,
      schema: rateLimits,
      keyPrefix: spec.keyPrefix,
      points: spec.points,
      duration: spec.durationSec,
      blockDuration: spec.blockSec ?? 0,
      // The worker's housekeeping prunes expired rows; no timer per limiter in every process.
      clearExpiredByTimeout: false,
    });
}
