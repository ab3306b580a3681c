import type { GraphQLRequestContextWillSendResponse } from '@apollo/server';
import type { GraphQLContext } from '../context';

/** What the request-log and request-metrics plugins say about a finished request. */
export interface RequestOutcome {
  /** The operation's name, `anonymous`, or null when no operation was found (parse or validation failed, or no match). */
  readonly operationName: string | null;
  readonly operationType: string | null;
  /** `success`, or `error` when the response carries any error (partial data included). */
  readonly outcome: 'success' | 'error';
  /** `extensions.code` of each error, as the client saw it (after masking). */
  readonly errorCodes: string[];
}

export function requestOutcome(ctx: GraphQLRequestContextWillSendResponse<GraphQLContext>): RequestOutcome {
  const body = ctx.response.body;
  const errors = body.kind === 'single' ? (body.singleResult.errors ?? []) : (ctx.errors ?? []);
  const errorCodes = errors.map((e) => {
    const code = e.extensions?.code;
    return typeof code === 'string' ? code : 'UNKNOWN';
  });
  return {
    operationName: ctx.operation ? (ctx.operationName ?? 'anonymous') : null,
    operationType: ctx.operation?.operation ?? null,
    outcome: errorCodes.length > 0 ? 'error' : 'success',
    errorCodes,
  };
}
