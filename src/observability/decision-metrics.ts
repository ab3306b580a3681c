import type { AnswerListener } from '../authz/decision-service';
import { CACHE_STATUS_LABELS, type GatewayMetrics } from './metrics';

/**
 * The decision service's answer listener that feeds `authz_check_total`,
 * `authz_check_duration_seconds` (by cache status) and `authz_decisions_total`
 * (decisions only: a permission set is not one).
 */
export function decisionMetrics(metrics: Pick<GatewayMetrics, 'checks' | 'checkDuration' | 'decisions'>): AnswerListener {
  return ({ status, allowed, seconds }) => {
    const cache_status = CACHE_STATUS_LABELS[status];
    metrics.checks.inc({ cache_status });
    metrics.checkDuration.observe({ cache_status }, seconds);
    if (allowed !== null) metrics.decisions.inc({ allowed: String(allowed) });
  };
}
