import type { ApolloServerPlugin } from '@apollo/server';
import { HTTP_STATUS_BY_CODE, TRACED_CODES } from '../errors';
import type { GraphQLContext } from '../context';

/**
 * Gives a response the HTTP status its errors call for (errors.ts: 401, 403, 503 for
 * AUTHZ_UNAVAILABLE, so load balancers and clients can tell "no decision" from a
 * decision), and stamps the trace ID on masked and unavailable errors so a caller can
 * quote it. Runs after formatError, on the formatted errors.
 */
export function httpStatusPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (!errors?.length) return;
          let status: number | undefined;
          response.body.singleResult.errors = errors.map((error) => {
            const code = typeof error.extensions?.code === 'string' ? error.extensions.code : '';
            const mapped = HTTP_STATUS_BY_CODE[code];
            if (mapped && (status === undefined || mapped > status)) status = mapped;
            return TRACED_CODES.has(code) && contextValue?.traceId ? { ...error, extensions: { ...error.extensions, traceId: contextValue.traceId } } : error;
          });
          if (status !== undefined) response.http.status = status;
        },
      };
    },
  };
}
