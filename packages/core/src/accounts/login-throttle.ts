import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { LimiterStore } from '../limits/limiter-store.ts';
import type { LoginThrottleSettings } from '../limits/limit-settings.ts';
import { RateLimitedError, retryAfterSeconds } from '../limits/rate-limits.ts';

/**
 * Slows password guessing without locking the owner out (rate-limiter-flexible's brute-force
 * pattern): failures are counted per address and per account-and-address, never per account
 * alone, so someone else's guesses from elsewhere cannot refuse the owner's correct password.
 * Failures in a row for one account from one address block it for a while that doubles each time.
 */
export class LoginThrottle {
  private readonly byAddress: RateLimiterAbstract;
  private readonly inARow: RateLimiterAbstract;
  private readonly blocks: RateLimiterAbstract;

  constructor(
    store: LimiterStore,
    private readonly settings: LoginThrottleSettings,
  ) {
    this.byAddress = store({
      keyPrefix: 'login-failures:address',
      points: settings.failuresPerAddress,
      durationSec: settings.addressWindowSec,
    });
    this.inARow = store({
      keyPrefix: 'login-failures:account-address',
      points: settings.failuresInARow,
      durationSec: settings.failureWindowSec,
    });
    // How many times this account-and-address was blocked lately: the next block's length.
    this.blocks = store({ keyPrefix: 'login-blocks', points: 1_000_000, durationSec: settings.streakSec });
  }

  /** Before any password work: throws RateLimitedError while this caller must wait. */
  async check(username: string, ip: string): Promise<void> {
    const [address, pair] = await Promise.all([
      this.byAddress.get(ip),
      this.inARow.get(pairKey(username, ip)),
    ]);
    for (const [res, limit] of [
      [address, this.settings.failuresPerAddress],
      [pair, this.settings.failuresInARow],
    ] as const) {
      if (res && res.consumedPoints >= limit) {
        const seconds = retryAfterSeconds(res.msBeforeNext);
        throw new RateLimitedError(seconds, `too many failed log-ins, try again in ${seconds} s`);
      }
    }
  }

  /** A wrong password: counts it, and blocks the pair once it has failed too often in a row. */
  async failed(username: string, ip: string): Promise<void> {
    const key = pairKey(username, ip);
    const [, pair] = await Promise.all([
      this.byAddress.consume(ip).catch(ignoreRefusal),
      this.inARow.consume(key).catch(ignoreRefusal),
    ]);
    if (!pair || pair.consumedPoints < this.settings.failuresInARow) return;
    const streak = await this.blocks.penalty(key, 1);
    const { firstBlockSec, maxBlockSec } = this.settings;
    const seconds = Math.min(firstBlockSec * 2 ** (streak.consumedPoints - 1), maxBlockSec);
    await this.inARow.block(key, seconds);
  }

  /** The right password: the pair starts afresh (the per-address count stays). */
  async succeeded(username: string, ip: string): Promise<void> {
    const key = pairKey(username, ip);
    await Promise.all([this.inARow.delete(key), this.blocks.delete(key)]);
  }
}

const pairKey = (username: string, ip: string) => `${username.toLowerCase()}@${ip}`;

// A consume over the limit rejects with the counter's state, which is what we want to read.
function ignoreRefusal(err: unknown): RateLimiterRes {
  if (err instanceof RateLimiterRes) return err;
  throw err;
}
