import type { GraphQLRequestContextWillSendResponse } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { GraphQLContext } from '../context';

/** What the request log line and the request metrics say about a finished request. */
export interface RequestOutcome {
  /** The operation's name, `anonymous`, or null when no operation was found (parse or validation failed, or no match). */
  readonly operationName: string | null;
  readonly operationType: string | null;
  /** `success`, or `error` when the response carries any error (partial data included). */
  readonly outcome: 'success' | 'error';
  /** `extensions.code` of each error, as the client saw it (after masking). */
  readonly errorCodes: string[];
}

/**
 * The outcome of a request with this operation (null: none was found) and these
 * errors as sent: shared by Apollo's plugins and the prepared-operation path.
 */
export function describeOutcome(
  operation: { name: string | null; type: string } | null,
  errors: ReadonlyArray<GraphQLFormattedError>,
): RequestOutcome {
  const errorCodes = errors.map((e) => {
    const code = e.extensions?.code;
    return typeof code === 'string' ? code : 'UNKNOWN';
  });
  return {
    operationName: operation ? (operation.name ?? 'anonymous') : null,
    operationType: operation?.type ?? null,
    outcome: errorCodes.length > 0 ? 'error' : 'success',
    errorCodes,
  };
}

export function requestOutcome(ctx: GraphQLRequestContextWillSendResponse<GraphQLContext>): RequestOutcome {
  const body = ctx.response.body;
  const errors = body.kind === 'single' ? (body.singleResult.errors ?? []) : (ctx.errors ?? []);
  return describeOutcome(ctx.operation ? { name: ctx.operationName ?? null, type: ctx.operation.operation } : null, errors);
}
