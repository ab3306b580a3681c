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

/**
 * The gateway's own figures since it started, from its Prometheus text
 * (`authz_check_total{cache_status="..."}`, summed over any other labels). Null when the
 * text has no such series (metrics off, or an older gateway).
 */
export function figuresFromMetrics(text: string): Omit<CacheFigures, 'requests'> | null {
  const totals: Record<string, number> = {};
  let seen = false;
  for (const line of text.split('\n')) {
    const match = /^authz_check_total\{([^}]*)\}\s+([0-9.eE+-]+)/.exec(line);
    if (!match) continue;
    const status = /cache_status="([^"]*)"/.exec(match[1]!)?.[1];
    const value = Number(match[2]);
    if (!status || !Number.isFinite(value)) continue;
    seen = true;
    totals[status] = (totals[status] ?? 0) + value;
  }
  if (!seen) return null;
  return {
    l1Hits: totals.l1_cache_hit ?? 0,
    l2Hits: totals.l2_cache_hit ?? 0,
    misses: (totals.cache_miss ?? 0) + (totals.cache_disabled ?? 0),
    degraded: totals.degraded ?? 0,
  };
}
