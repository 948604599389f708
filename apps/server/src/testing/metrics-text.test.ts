import { describe, expect, it } from 'vitest';
import { deltas, seriesOf, sumBy, sumByAcross, sumMetric } from './metrics-text.ts';

const TEXT = `# HELP graminsta_db_queries_total Database queries
# TYPE graminsta_db_queries_total counter
graminsta_db_queries_total{outcome="ok",statement="user_profile"} 3
graminsta_db_queries_total{outcome="ok",statement="other"} 10
graminsta_db_queries_total{outcome="error",statement="other"} 1
graminsta_db_query_duration_seconds_count 14
graminsta_cache_reads_total{outcome="hit"} 7
graminsta_cache_store_up 1
`;

describe('reading /metrics text', () => {
  it('finds the series of one metric by exact name, with their labels', () => {
    expect(seriesOf(TEXT, 'graminsta_db_queries_total')).toHaveLength(3);
    expect(seriesOf(TEXT, 'graminsta_db_query_duration_seconds')).toEqual([]);
    expect(seriesOf(TEXT, 'graminsta_cache_store_up')).toEqual([{ labels: {}, value: 1 }]);
  });

  it('sums, filters, groups and subtracts', () => {
    expect(sumMetric(TEXT, 'graminsta_db_queries_total')).toBe(14);
    expect(sumMetric(TEXT, 'graminsta_db_queries_total', { statement: 'other' })).toBe(11);
    expect(sumMetric(TEXT, 'graminsta_db_queries_total', { outcome: 'ok', statement: 'other' })).toBe(10);
    expect(sumMetric(TEXT, 'graminsta_nothing')).toBe(0);
    const by = sumBy(TEXT, 'graminsta_db_queries_total', 'statement');
    expect([...by]).toEqual([
      ['user_profile', 3],
      ['other', 11],
    ]);
    const both = sumByAcross([TEXT, TEXT], 'graminsta_cache_reads_total', 'outcome');
    expect(both.get('hit')).toBe(14);
    expect([
      ...deltas(
        by,
        new Map([
          ['user_profile', 4],
          ['other', 11],
          ['x', 2],
        ]),
      ),
    ]).toEqual([
      ['user_profile', 1],
      ['x', 2],
    ]);
  });
});
