import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../context';
import { type RequestOutcome, requestOutcome } from './request-outcome';

/**
 * One JSON log line per GraphQL request (`event: graphql_request`, level info) on the
 * request's child logger, so it carries the trace ID echoed in `x-request-id` and
 * `extensions.authz.traceId`: operation, duration, cache counts and outcome. Variables
 * and query text are never logged (they may hold user IDs an operator need not see).
 * `pipeline` says who ran it: `prepared` (a compiled repeated query) or `apollo`.
 */
export function logGraphQLRequest(context: GraphQLContext, outcome: RequestOutcome, durationMs: number, pipeline: 'prepared' | 'apollo'): void {
  const counts = context.counts;
  context.logger.info(
    {
      event: 'graphql_request',
      operationName: outcome.operationName,
      operationType: outcome.operationType,
      durationMs: Math.round(durationMs * 1000) / 1000,
      cache: { ...counts.toJSON(), disabled: counts.disabled },
      outcome: outcome.outcome,
      pipeline,
      ...(outcome.errorCodes.length > 0 ? { errorCodes: outcome.errorCodes } : {}),
    },
    'graphql_request',
  );
}

/** The log line for requests Apollo runs. */
export function requestLogPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse(ctx) {
          logGraphQLRequest(ctx.contextValue, requestOutcome(ctx), performance.now() - started, 'apollo');
        },
      };
    },
  };
}
