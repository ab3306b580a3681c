import type { CircuitBreaker } from '../breaker/circuit-breaker';
import { BoundedL2Client } from '../l2-client/bounded';
import { coalescedReads } from '../l2-client/coalesced-reads';
import { MeteredL2Client } from '../l2-client/metered';
import { BreakerReportingL2Client } from '../l2-client/reporting-to-breaker';
import { type L2Backend, type L2Client, unguarded, type UnguardedL2Client } from '../l2-client/types';
import type { GatewayMetrics } from '../observability/metrics';
import { invalidationTimeoutMs } from '../revocation/invalidation';

/**
 * The L2 cache's client: every call it makes (reads, version writes, value writes)
 * passes, from the top,
 *
 *   coalesced reads -> breaker reporting -> metrics -> deadline -> Keyv client
 *
 * Coalescing is on top, so everything beneath sees what Redis sees: one `get_many`, one
 * failure and one deadline timer per MGET sent, whatever the number of requests in it.
 * The deadline (AUTHZ_L2_TIMEOUT_MS) is the only timer of a call; metrics and the breaker
 * see it fire as the call's failure. On a cluster the union is then split per node
 * (cluster-batching-adapter.ts). Memory has no round trip to save and never fails: no
 * coalescing, and no breaker (`breaker` null).
 */
export function cacheClient(backend: L2Backend, options: { timeoutMs: number; metrics: Pick<GatewayMetrics, 'l2Duration' | 'l2Errors' | 'l2CoalescedReads'>; breaker: CircuitBreaker | null }): L2Client {
  const metered = new MeteredL2Client(new BoundedL2Client(backend.client, options.timeoutMs), options.metrics);
  const reported: L2Client = options.breaker ? new BreakerReportingL2Client(metered, options.breaker) : metered;
  return backend.kind === 'redis' ? coalescedReads(reported, { onBatch: (calls) => options.metrics.l2CoalescedReads.observe(calls) }) : reported;
}

/**
 * The invalidation client: metrics -> deadline -> Keyv client, with the longer
 * invalidation deadline and, by construction, no breaker: an open breaker never skips
 * an invalidation, so a change always tries to fence Redis. Without `metrics` (operator
 * scripts) it is not metered.
 */
export function invalidationClient(backend: L2Backend, options: { timeoutMs: number; metrics?: Pick<GatewayMetrics, 'l2Duration' | 'l2Errors'> }): UnguardedL2Client {
  const bounded = new BoundedL2Client(backend.client, invalidationTimeoutMs(options.timeoutMs));
  return unguarded(options.metrics ? new MeteredL2Client(bounded, options.metrics) : bounded);
}
