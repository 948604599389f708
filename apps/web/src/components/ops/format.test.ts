import { describe, expect, it } from 'vitest';
import { formatTick, formatValue } from './format.ts';

describe('the operations page’s numbers', () => {
  it('says a value in its unit, and an axis tick short enough to sit beside the plot', () => {
    expect(formatValue(26.6, 'requests/s')).toBe('26.6 req/s');
    expect(formatValue(0.155, 'seconds')).toBe('155 ms');
    expect(formatValue(1, 'connections')).toBe('1 connections');
    expect(formatTick(28.5, 'queries/s')).toBe('28.5/s');
    expect(formatTick(0.155, 'seconds')).toBe('155 ms');
    // Ticks half a job apart read as two different numbers, not "1 jobs" twice.
    expect([0, 0.5, 1, 1.5].map((v) => formatTick(v, 'jobs'))).toEqual(['0', '0.5', '1', '1.5']);
  });
});
