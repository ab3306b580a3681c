import type { CacheStatus } from '../authz/types';

/** The old service's names of L2 events: its runbook greps for them, its Loki queries filter on them. */
export const L2_HIT_EVENT = 'authz_l2_cache_hit';
export const L2_POPULATED_EVENT = 'authz_l2_cache_populated';
export const L2_ERROR_EVENT = 'authz_l2_cache_error';

/** What one request's answers came from, as counted in CacheCounts. */
export interface AnswerCounts {
  readonly l2Hits: number;
  readonly misses: number;
  readonly degraded: number;
}

// Every combination, made once. One comma-separated string rather than an array: pino
// writes a string field with a plain escape scan, an array through JSON.stringify, and
// this field is on the line every request writes.
const COMBINATIONS: readonly string[] = Array.from({ length: 8 }, (_, bits) =>
  [...(bits & 1 ? [L2_HIT_EVENT] : []), ...(bits & 2 ? [L2_POPULATED_EVENT] : []), ...(bits & 4 ? [L2_ERROR_EVENT] : [])].join(','),
);

/**
 * The L2 events behind one request's answers, for its single log line (so that a grep
 * or a Loki line filter for an event name finds the request at LOG_LEVEL=info):
 * - `authz_l2_cache_hit`: an answer came from L2 (L2_HIT);
 * - `authz_l2_cache_populated`: an answer was loaded from PostgreSQL after an L2 miss
 *   and written to L2 (MISS; a failed write reports DEGRADED instead). A FULLY_CONSISTENT
 *   read skips L2 and also reports MISS, so `skippedL2` suppresses it;
 * - `authz_l2_cache_error`: L2 failed or was skipped while failing, and the answer came
 *   from PostgreSQL (DEGRADED).
 * Several are joined by commas, in this order. Undefined when there is none (L1 hits
 * only, cache disabled, no decision).
 */
export function cacheEvents(counts: AnswerCounts, skippedL2 = false): string | undefined {
  const bits = (counts.l2Hits > 0 ? 1 : 0) | (counts.misses > 0 && !skippedL2 ? 2 : 0) | (counts.degraded > 0 ? 4 : 0);
  return bits === 0 ? undefined : COMBINATIONS[bits];
}

/** The L2 events behind one answer (the REST endpoint's single decision). */
export function statusEvents(status: CacheStatus): string | undefined {
  return status === 'L2_HIT' ? COMBINATIONS[1] : status === 'MISS' ? COMBINATIONS[2] : status === 'DEGRADED' ? COMBINATIONS[4] : undefined;
}
