import { figuresFromMetrics, hitRates } from '../../../console/src/lib/cache-tally';

describe('figuresFromMetrics: the gateway-wide tiers from its /metrics text', () => {
  test('sums authz_check_total by cache status', () => {
    const text = [
      '# HELP authz_check_total Decisions answered, by cache status.',
      '# TYPE authz_check_total counter',
      'authz_check_total{cache_status="l1_cache_hit"} 5',
      'authz_check_total{cache_status="l2_cache_hit"} 80',
      'authz_check_total{cache_status="cache_miss"} 10',
      'authz_check_total{cache_status="cache_disabled"} 2',
      'authz_check_total{cache_status="degraded"} 3',
      'authz_check_duration_seconds_count{cache_status="l2_cache_hit"} 80',
    ].join('\n');
    const figures = figuresFromMetrics(text)!;
    expect(figures).toEqual({ l1Hits: 5, l2Hits: 80, misses: 12, degraded: 3 });
    expect(hitRates({ requests: 0, ...figures })).toEqual({ l1: 5, l2: 80, store: 15 });
  });

  test('null without the series (metrics off, or another server)', () => {
    expect(figuresFromMetrics('')).toBeNull();
    expect(figuresFromMetrics('process_cpu_seconds_total 3')).toBeNull();
  });
});
