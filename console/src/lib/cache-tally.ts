/**
 * Cache figures seen by this console: the sum of `extensions.authz.cache` over its own
 * requests since the page loaded. Until the gateway exposes /metrics, this is what the
 * Health view can show about the tiers. Pure code: jest runs it in node.
 */
export interface CacheFigures {
  requests: number;
  l1Hits: number;
  l2Hits: number;
  misses: number;
  degraded: number;
}

export const EMPTY_FIGURES: CacheFigures = { requests: 0, l1Hits: 0, l2Hits: 0, misses: 0, degraded: 0 };

export function addFigures(total: CacheFigures, cache: Omit<CacheFigures, 'requests'>): CacheFigures {
  return {
    requests: total.requests + 1,
    l1Hits: total.l1Hits + cache.l1Hits,
    l2Hits: total.l2Hits + cache.l2Hits,
    misses: total.misses + cache.misses,
    degraded: total.degraded + cache.degraded,
  };
}

/** Share of lookups each tier answered, as whole percentages; null before any lookup. */
export function hitRates(f: CacheFigures): { l1: number; l2: number; store: number } | null {
  const lookups = f.l1Hits + f.l2Hits + f.misses + f.degraded;
  if (lookups === 0) return null;
  const pct = (n: number) => Math.round((100 * n) / lookups);
  return { l1: pct(f.l1Hits), l2: pct(f.l2Hits), store: pct(f.misses + f.degraded) };
}
