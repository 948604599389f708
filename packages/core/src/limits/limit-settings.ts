import { LIMITED_ACTIONS, type LimitedAction } from '@graminsta/contracts';

// The names are the contract's (an endpoint declares the action it counts against); the budgets are core's.
export { LIMITED_ACTIONS, type LimitedAction };

export interface Rule {
  points: number;
  durationSec: number;
}

/** A route's budget per signed-in account (when there is one) and per client address. */
export interface ActionLimit {
  perAccount?: Rule;
  perAddress: Rule;
}

export interface LoginThrottleSettings {
  /** Failed log-ins one address may make in `addressWindowSec`, whatever the accounts. */
  failuresPerAddress: number;
  addressWindowSec: number;
  /** Failures in a row for one account from one address before it must wait. */
  failuresInARow: number;
  failureWindowSec: number;
  /** The first wait; each further wait within `streakSec` doubles, up to `maxBlockSec`. */
  firstBlockSec: number;
  maxBlockSec: number;
  streakSec: number;
}

export interface LimitSettings {
  actions: Record<LimitedAction, ActionLimit>;
  login: LoginThrottleSettings;
}

const MINUTE = 60;
const HOUR = 3600;
const DAY = 24 * HOUR;

// Generous for a person, tight for a script; an address gets three accounts' worth (a shared NAT).
export const DEFAULT_LIMITS: LimitSettings = {
  actions: {
    signup: { perAddress: { points: 5, durationSec: HOUR } },
    login: { perAddress: { points: 30, durationSec: MINUTE } },
    upload: {
      perAccount: { points: 100, durationSec: HOUR },
      perAddress: { points: 300, durationSec: HOUR },
    },
    photo: { perAccount: { points: 100, durationSec: HOUR }, perAddress: { points: 300, durationSec: HOUR } },
    comment: {
      perAccount: { points: 30, durationSec: MINUTE },
      perAddress: { points: 90, durationSec: MINUTE },
    },
    like: {
      perAccount: { points: 120, durationSec: MINUTE },
      perAddress: { points: 360, durationSec: MINUTE },
    },
    follow: {
      perAccount: { points: 30, durationSec: MINUTE },
      perAddress: { points: 90, durationSec: MINUTE },
    },
    // A person reports a handful of things a day; a brigade should not flood the queue.
    report: {
      perAccount: { points: 20, durationSec: HOUR },
      perAddress: { points: 60, durationSec: HOUR },
    },
    // Mailed links and password changes: a person needs a few an hour; more is someone guessing or spamming.
    recovery: {
      perAccount: { points: 10, durationSec: HOUR },
      perAddress: { points: 30, durationSec: HOUR },
    },
  },
  login: {
    failuresPerAddress: 100,
    addressWindowSec: DAY,
    failuresInARow: 5,
    failureWindowSec: 15 * MINUTE,
    firstBlockSec: MINUTE,
    maxBlockSec: DAY,
    streakSec: DAY,
  },
};

export interface LimitOverrides {
  actions?: Partial<Record<LimitedAction, ActionLimit>>;
  login?: Partial<LoginThrottleSettings>;
}

/**
 * The limits in force: the defaults with every budget multiplied by `scale` (RATE_LIMITS, for
 * load tests and seeding), then any overrides (tests). 'off' turns every limit off.
 */
export function limitSettings(scale: number | 'off', overrides: LimitOverrides = {}): LimitSettings | null {
  if (scale === 'off') return null;
  const scaled = (rule: Rule): Rule => ({ ...rule, points: Math.max(1, Math.round(rule.points * scale)) });
  const actions = Object.fromEntries(
    LIMITED_ACTIONS.map((name) => {
      const limit = DEFAULT_LIMITS.actions[name];
      const base: ActionLimit = {
        perAddress: scaled(limit.perAddress),
        ...(limit.perAccount && { perAccount: scaled(limit.perAccount) }),
      };
      return [name, overrides.actions?.[name] ?? base];
    }),
  ) as Record<LimitedAction, ActionLimit>;
  const login = DEFAULT_LIMITS.login;
  return {
    actions,
    login: {
      ...login,
      failuresPerAddress: Math.max(1, Math.round(login.failuresPerAddress * scale)),
      failuresInARow: Math.max(1, Math.round(login.failuresInARow * scale)),
      ...overrides.login,
    },
  };
}
