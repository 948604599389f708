import { describe, expect, it } from 'vitest';
import { loadConfig } from '@graminsta/platform';
import { DEFAULT_LIMITS, limitSettings } from './limit-settings.ts';

describe('limit settings', () => {
  it('keeps the production defaults unless RATE_LIMITS says otherwise', () => {
    const config = loadConfig({});
    expect(config.RATE_LIMITS).toBe(1);
    expect(limitSettings(config.RATE_LIMITS)).toEqual(DEFAULT_LIMITS);
  });

  it('scales every budget by RATE_LIMITS, or turns them off', () => {
    const raised = limitSettings(loadConfig({ RATE_LIMITS: '100' }).RATE_LIMITS)!;
    expect(raised.actions.signup.perAddress).toEqual({ points: 500, durationSec: 3600 });
    expect(raised.actions.comment.perAccount?.points).toBe(3000);
    expect(raised.login.failuresInARow).toBe(500);
    expect(limitSettings(loadConfig({ RATE_LIMITS: 'off' }).RATE_LIMITS)).toBeNull();
    expect(() => loadConfig({ RATE_LIMITS: 'lots' })).toThrow(/RATE_LIMITS/);
    expect(() => loadConfig({ RATE_LIMITS: '0' })).toThrow(/RATE_LIMITS/);
  });

  it('lets a test replace one action or part of the log-in throttle', () => {
    const one = { perAddress: { points: 1, durationSec: 60 } };
    const settings = limitSettings(1, { actions: { like: one }, login: { failuresInARow: 2 } })!;
    expect(settings.actions.like).toEqual(one);
    expect(settings.actions.follow).toEqual(DEFAULT_LIMITS.actions.follow);
    expect(settings.login).toEqual({ ...DEFAULT_LIMITS.login, failuresInARow: 2 });
  });
});
