import { cacheEvents, statusEvents } from '../../../src/observability/cache-events';

const counts = (l2Hits: number, misses: number, degraded: number) => ({ l2Hits, misses, degraded });

describe('cacheEvents', () => {
  it("names the L2 events behind a request's answers with the old service's names", () => {
    expect(cacheEvents(counts(1, 0, 0))).toBe('authz_l2_cache_hit');
    expect(cacheEvents(counts(0, 2, 0))).toBe('authz_l2_cache_populated');
    expect(cacheEvents(counts(0, 0, 1))).toBe('authz_l2_cache_error');
    expect(cacheEvents(counts(3, 1, 1))).toBe('authz_l2_cache_hit,authz_l2_cache_populated,authz_l2_cache_error');
    expect(cacheEvents(counts(2, 0, 1))).toBe('authz_l2_cache_hit,authz_l2_cache_error');
  });

  it('has nothing to say about L1 hits only, a disabled cache, or no decision', () => {
    expect(cacheEvents(counts(0, 0, 0))).toBeUndefined();
  });

  it('claims no populate for reads that skipped L2 (FULLY_CONSISTENT)', () => {
    expect(cacheEvents(counts(0, 1, 0), true)).toBeUndefined();
    expect(cacheEvents(counts(1, 1, 0), true)).toBe('authz_l2_cache_hit');
  });
});

describe('statusEvents', () => {
  it.each([
    ['L2_HIT', 'authz_l2_cache_hit'],
    ['MISS', 'authz_l2_cache_populated'],
    ['DEGRADED', 'authz_l2_cache_error'],
    ['L1_HIT', undefined],
    ['DISABLED', undefined],
  ] as const)('%s -> %s', (status, events) => {
    expect(statusEvents(status)).toBe(events);
  });
});
