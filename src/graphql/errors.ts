import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { ConflictError, InvalidInputError, NotFoundError, StoreUnavailableError } from '../authz/errors';

/** The codes this API adds to Apollo's own (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, ...). */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  AUTHZ_UNAVAILABLE: 'AUTHZ_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

/**
 * The one place where errors become what clients see. Domain errors get their code and
 * message; errors Apollo already classified keep their code; anything else is an
 * internal error: logged in full, and shown masked (with the trace ID to quote) unless
 * `exposeInternals` (development).
 */
export function createErrorFormatter(options: {
  exposeInternals: boolean;
  onInternalError: (error: unknown) => void;
}) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const domainCode =
      original instanceof InvalidInputError
        ? ErrorCode.BAD_USER_INPUT
        : original instanceof NotFoundError
          ? ErrorCode.NOT_FOUND
          : original instanceof ConflictError
            ? ErrorCode.CONFLICT
            : null;
    if (domainCode) return { message: (original as Error).message, path: formatted.path, extensions: { code: domainCode } };
    if (original instanceof StoreUnavailableError) {
      options.onInternalError(original);
      return {
        message: 'Authorization data is temporarily unavailable; no decision was made.',
        path: formatted.path,
        extensions: { code: ErrorCode.AUTHZ_UNAVAILABLE },
      };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR) return formatted;
    options.onInternalError(original);
    if (options.exposeInternals) return formatted;
    return { message: 'Internal server error', path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}
