import type { ApolloServerPlugin } from '@apollo/server';
import type { ObservabilityConfig } from '../../config/config';
import type { GraphQLContext } from '../context';
import { apolloReportingPlugins } from './apollo-reporting';
import type { LogRequest } from './request-log';
import type { RecordRequest } from './request-metrics';
import { type RequestOutcome, requestOutcome } from './request-outcome';

/** Told once per finished GraphQL request, by Apollo's plugin or by the prepared path. */
export type FinishedRequestHandler = (context: GraphQLContext, outcome: RequestOutcome, durationMs: number, pipeline: 'prepared' | 'apollo') => void;

/** The handler that writes a finished request's log line, then records its metrics. */
export function logAndRecordRequest(logRequest: LogRequest, recordRequest: RecordRequest): FinishedRequestHandler {
  return (context, outcome, durationMs, pipeline) => {
    logRequest(context, outcome, durationMs, pipeline);
    recordRequest(outcome, durationMs / 1000);
  };
}

/** For requests Apollo runs: works out their outcome (after formatting) and duration once, and hands them to `finished`. */
export function requestOutcomePlugin(finished: FinishedRequestHandler): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse(ctx) {
          finished(ctx.contextValue, requestOutcome(ctx), performance.now() - started, 'apollo');
        },
      };
    },
  };
}

/** The observability plugins, in order: the finished request (log line and metrics), Apollo Studio reporting (or its explicit absence). */
export function observabilityPlugins(finished: FinishedRequestHandler, config: ObservabilityConfig): Array<ApolloServerPlugin<GraphQLContext>> {
  // Apollo's reporting plugins are typed for any context; they read none of ours.
  const reporting = apolloReportingPlugins(config.apollo) as Array<ApolloServerPlugin<GraphQLContext>>;
  return [requestOutcomePlugin(finished), ...reporting];
}
