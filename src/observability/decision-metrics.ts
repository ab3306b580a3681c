import type { AnswerListener } from '../authz/decision-service';
import type { CacheStatus } from '../authz/types';
import { CACHE_STATUS_LABELS, type GatewayMetrics } from './metrics';

/**
 * The decision service's answer listener that feeds `authz_check_total`,
 * `authz_check_duration_seconds` (by cache status) and `authz_decisions_total`
 * (decisions only: a permission set is not one).
 */
export function decisionMetrics(metrics: Pick<GatewayMetrics, 'checks' | 'checkDuration' | 'decisions'>): AnswerListener {
  // Label-bound children, looked up once: prom-client hashes the label object on every
  // labelled call, three per answer, 300 per `checks` request of scenario 4.
  const byStatus = new Map<CacheStatus, { checks: { inc(): void }; duration: { observe(v: number): void } }>();
  const decided = { true: metrics.decisions.labels({ allowed: 'true' }), false: metrics.decisions.labels({ allowed: 'false' }) };
  return ({ status, allowed, seconds }) => {
    let children = byStatus.get(status);
    if (!children) {
      const cache_status = CACHE_STATUS_LABELS[status];
      byStatus.set(status, (children = { checks: metrics.checks.labels({ cache_status }), duration: metrics.checkDuration.labels({ cache_status }) }));
    }
    children.checks.inc();
    children.duration.observe(seconds);
    if (allowed !== null) (allowed ? decided.true : decided.false).inc();
  };
}
