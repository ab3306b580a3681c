import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../context';
import type { LogRequest } from './request-log';
import type { RecordRequest } from './request-metrics';
import { type RequestOutcome, requestOutcome } from './request-outcome';

/** Told once per finished GraphQL request, by Apollo's plugin or by the prepared path. */
export type RequestFinished = (context: GraphQLContext, outcome: RequestOutcome, durationMs: number, pipeline: 'prepared' | 'apollo') => void;

/** A finished request's log line, then its metrics. */
export function requestFinished(logRequest: LogRequest, recordRequest: RecordRequest): RequestFinished {
  return (context, outcome, durationMs, pipeline) => {
    logRequest(context, outcome, durationMs, pipeline);
    recordRequest(outcome, durationMs / 1000);
  };
}

/** For requests Apollo runs: their outcome (after formatting) and duration, worked out once. */
export function requestFinishedPlugin(finished: RequestFinished): ApolloServerPlugin<GraphQLContext> {
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
