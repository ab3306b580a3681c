import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { HTTP_STATUS_BY_CODE, TRACED_CODES } from '../errors';
import type { GraphQLContext } from '../context';

/**
 * The HTTP status formatted errors call for (errors.ts: 401, 403, 503 for
 * AUTHZ_UNAVAILABLE, so load balancers and clients can tell "no decision" from a
 * decision; the highest wins; undefined: keep the status), and the errors with the
 * trace ID stamped on masked and unavailable ones so a caller can quote it.
 */
export function statusForErrors(
  errors: ReadonlyArray<GraphQLFormattedError>,
  traceId: string | undefined,
): { errors: GraphQLFormattedError[]; status: number | undefined } {
  let status: number | undefined;
  const stamped = errors.map((error) => {
    const code = typeof error.extensions?.code === 'string' ? error.extensions.code : '';
    const mapped = HTTP_STATUS_BY_CODE[code];
    if (mapped && (status === undefined || mapped > status)) status = mapped;
    return TRACED_CODES.has(code) && traceId ? { ...error, extensions: { ...error.extensions, traceId } } : error;
  });
  return { errors: stamped, status };
}

/** Applies statusForErrors to responses Apollo sends; runs after formatError, on the formatted errors. */
export function httpStatusPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (!errors?.length) return;
          const { errors: stamped, status } = statusForErrors(errors, contextValue?.traceId);
          response.body.singleResult.errors = stamped;
          if (status !== undefined) response.http.status = status;
        },
      };
    },
  };
}
