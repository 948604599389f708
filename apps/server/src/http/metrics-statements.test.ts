import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.ts';

describe('database query metrics', () => {
  it('counts by outcome and statement name, with a bounded set of names', async () => {
    const metrics = new Metrics(false);
    metrics.observeQuery(0.001, true, 'session_live');
    metrics.observeQuery(0.001, true, 'session_live');
    metrics.observeQuery(0.001, false, 'session_live');
    metrics.observeQuery(0.001, true, 'other');
    for (let i = 0; i < 100; i++) metrics.observeQuery(0.001, true, `generated_${i}`);

    const { values } = await metrics.dbQueries.get();
    const count = (outcome: string, statement: string) =>
      values.find((v) => v.labels.outcome === outcome && v.labels.statement === statement)?.value ?? 0;
    expect(count('ok', 'session_live')).toBe(2);
    expect(count('error', 'session_live')).toBe(1);
    // 64 names at most (session_live and other among them); the rest are counted as other.
    expect(new Set(values.map((v) => v.labels.statement)).size).toBe(64);
    expect(values.reduce((n, v) => n + v.value, 0)).toBe(104);
    expect(count('ok', 'other')).toBe(1 + 100 - 62);
  });
});
