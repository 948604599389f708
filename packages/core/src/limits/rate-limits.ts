import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../errors.ts';
import type { LimiterStore } from './limiter-store.ts';
import { LIMITED_ACTIONS, type LimitedAction, type LimitSettings } from './limit-settings.ts';

/** A 429: the caller may try again after `retryAfterSeconds`. */
export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super('rate_limited', message);
  }
}

export const retryAfterSeconds = (msBeforeNext: number) => Math.max(1, Math.ceil(msBeforeNext / 1000));

/** Turns a limiter's refusal into a RateLimitedError; a store failure stays what it is. */
export function rethrowRefusal(err: unknown, what: string): never {
  if (err instanceof RateLimiterRes) {
    const seconds = retryAfterSeconds(err.msBeforeNext);
    throw new RateLimitedError(seconds, `too many ${what}, try again in ${seconds} s`);
  }
  throw err;
}

interface ActionLimiters {
  perAccount?: RateLimiterAbstract;
  perAddress: RateLimiterAbstract;
}

/** The per-account and per-address budgets of the limited actions, on a shared store. */
export class RateLimits {
  private readonly limiters: Map<LimitedAction, ActionLimiters>;

  constructor(store: LimiterStore, settings: LimitSettings | null) {
    this.limiters = new Map();
    if (!settings) return;
    for (const name of LIMITED_ACTIONS) {
      const { perAccount, perAddress } = settings.actions[name];
      this.limiters.set(name, {
        perAddress: store({ keyPrefix: `${name}:address`, ...perAddress }),
        ...(perAccount && { perAccount: store({ keyPrefix: `${name}:account`, ...perAccount }) }),
      });
    }
  }

  /** Counts one request against both budgets; throws RateLimitedError when either is spent. */
  async consume(action: LimitedAction, who: { userId: string | null; ip: string }): Promise<void> {
    const limiters = this.limiters.get(action);
    if (!limiters) return;
    const attempts = [limiters.perAddress.consume(who.ip)];
    if (who.userId && limiters.perAccount) attempts.push(limiters.perAccount.consume(who.userId));
    const results = await Promise.allSettled(attempts);
    const refusals = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    const storeFailure = refusals.find((r) => !(r instanceof RateLimiterRes));
    if (storeFailure) throw storeFailure;
    const longest = (refusals as RateLimiterRes[]).sort((a, b) => b.msBeforeNext - a.msBeforeNext)[0];
    if (longest) rethrowRefusal(longest, `${action} requests`);
  }
}
