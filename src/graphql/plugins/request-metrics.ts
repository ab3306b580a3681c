import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayMetrics } from '../../observability/metrics';
import type { GraphQLContext } from '../context';
import { requestOutcome } from './request-outcome';

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * `authz_graphql_requests_total`, `authz_graphql_errors_total` and
 * `authz_graphql_request_duration_seconds`, by operation name. Operation names come from
 * clients, so the label is bounded: at most `maxOperations` distinct names, later ones
 * are `other`; an operation without a name is `anonymous`; no operation found (a parse
 * or validation failure) is `none`.
 */
export function requestMetricsPlugin(
  metrics: Pick<GatewayMetrics, 'graphqlRequests' | 'graphqlErrors' | 'graphqlDuration'>,
  maxOperations = 100,
): ApolloServerPlugin<GraphQLContext> {
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
  return {
    async requestDidStart() {
      const stopTimer = metrics.graphqlDuration.startTimer();
      return {
        async willSendResponse(ctx) {
          const outcome = requestOutcome(ctx);
          const operation = label(outcome.operationName);
          stopTimer({ operation });
          metrics.graphqlRequests.inc({ operation });
          for (const code of outcome.errorCodes) metrics.graphqlErrors.inc({ operation, code });
        },
      };
    },
  };
}
