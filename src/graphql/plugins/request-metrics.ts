import type { GatewayMetrics } from '../../observability/metrics';
import type { RequestOutcome } from './request-outcome';

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Records one finished GraphQL request: its outcome and duration in seconds. */
export type RecordRequest = (outcome: RequestOutcome, seconds: number) => void;

/**
 * `authz_graphql_requests_total`, `authz_graphql_errors_total` and
 * `authz_graphql_request_duration_seconds`, by operation name. Operation names come from
 * clients, so the label is bounded: at most `maxOperations` distinct names, later ones
 * are `other`; an operation without a name is `anonymous`; no operation found (a parse
 * or validation failure) is `none`. One recorder per gateway: Apollo's plugin and the
 * prepared-operation path share its bound.
 */
export function requestMetricsRecorder(
  metrics: Pick<GatewayMetrics, 'graphqlRequests' | 'graphqlErrors' | 'graphqlDuration'>,
  maxOperations = 100,
): RecordRequest {
  const seen = new Set<string>();
  const label = (name: string | null): string => {
    if (name === null) return 'none';
    if (name === 'anonymous') return name; // not a client-chosen name: never counts toward the cap
    if (!NAME.test(name)) return 'other';
    if (seen.has(name)) return name;
    if (seen.size >= maxOperations) return 'other';
    seen.add(name);
    return name;
  };
  // Label-bound children per operation label (at most maxOperations + 3 of them), so a
  // request does not hash label objects twice.
  const children = new Map<string, { duration: { observe(v: number): void }; requests: { inc(): void } }>();
  const bound = (operation: string) => {
    let child = children.get(operation);
    if (!child) children.set(operation, (child = { duration: metrics.graphqlDuration.labels({ operation }), requests: metrics.graphqlRequests.labels({ operation }) }));
    return child;
  };
  return (outcome, seconds) => {
    const operation = label(outcome.operationName);
    const child = bound(operation);
    child.duration.observe(seconds);
    child.requests.inc();
    for (const code of outcome.errorCodes) metrics.graphqlErrors.inc({ operation, code });
  };
}
