import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../context';
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
