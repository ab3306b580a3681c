import type { AnswerListener } from '../authz/decision-service';
import type { CacheStatus } from '../authz/types';
import { CACHE_STATUS_LABELS, type GatewayMetrics } from './metrics';

/**
 * The decision service's answer listener that feeds `authz_check_total`,
 * `authz_check_duration_seconds` (by cache status) and `authz_decisions_total`
 * (decisions only: a permission set is not one).
 */
export function decisionMetrics(metrics: Pick<GatewayMetrics, 'checks' | 'checkDuration' | 'decisions' | 'beforeCollect'>): AnswerListener {
  // Counters are counted here and added to prom-client when read (beforeCollect):
  // prom-client validates and hashes labels on every call, even on a label-bound child.
  const checks = new Map<CacheStatus, number>();
  const decided = { true: 0, false: 0 };
  metrics.beforeCollect.push(() => {
    for (const [status, n] of checks) if (n > 0) metrics.checks.inc({ cache_status: CACHE_STATUS_LABELS[status] }, n);
    checks.clear();
    if (decided.true > 0) metrics.decisions.inc({ allowed: 'true' }, decided.true);
    if (decided.false > 0) metrics.decisions.inc({ allowed: 'false' }, decided.false);
    decided.true = decided.false = 0;
  });
  const durations = new Map<CacheStatus, { observe(v: number): void }>();
  return ({ status, allowed, seconds }) => {
    checks.set(status, (checks.get(status) ?? 0) + 1);
    let duration = durations.get(status);
    if (!duration) durations.set(status, (duration = metrics.checkDuration.labels({ cache_status: CACHE_STATUS_LABELS[status] })));
    duration.observe(seconds);
    if (allowed !== null) decided[allowed ? 'true' : 'false']++;
  };
}
