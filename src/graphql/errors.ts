import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ForbiddenError, UnauthenticatedError } from '../auth/errors';
import { ConflictError, InvalidInputError, NotFoundError, StoreUnavailableError } from '../authz/errors';
import { L2UnavailableError } from '../revocation/invalidation';

/** The codes this API adds to Apollo's own (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, ...). */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  AUTHZ_UNAVAILABLE: 'AUTHZ_UNAVAILABLE',
  /** A policy change was not made: the shared cache could not be invalidated (retry later). */
  L2_UNAVAILABLE: 'L2_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
} as const;

const UNAVAILABLE_MESSAGE = 'Authorization data is temporarily unavailable; no decision was made.';

/**
 * The HTTP status a response takes when one of its errors has this code (the highest
 * wins; see plugins/http-status.ts). Codes not listed keep Apollo's status.
 */
export const HTTP_STATUS_BY_CODE: Readonly<Record<string, number>> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.AUTHZ_UNAVAILABLE]: 503,
  [ErrorCode.L2_UNAVAILABLE]: 503,
};

/** Codes whose errors carry the trace ID, so a caller can quote it to operators. */
export const TRACED_CODES: ReadonlySet<string> = new Set([ErrorCode.INTERNAL_SERVER_ERROR, ErrorCode.AUTHZ_UNAVAILABLE, ErrorCode.L2_UNAVAILABLE]);

const L2_UNAVAILABLE_MESSAGE = 'The change was not made: the shared cache could not be invalidated, so other instances could have kept serving the old permissions. Nothing was written; retry later.';

/**
 * For errors thrown before any resolver runs (the context factory: authentication).
 * Apollo takes the HTTP status of such an error from `extensions.http` and formats it
 * without unwrapping, so it must already be a GraphQLError with its code.
 */
export function toRequestError(error: unknown): unknown {
  if (error instanceof UnauthenticatedError) {
    return new GraphQLError(error.message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401, headers: new Map([['www-authenticate', 'Bearer']]) } } });
  }
  if (error instanceof ForbiddenError) {
    return new GraphQLError(error.message, { extensions: { code: ErrorCode.FORBIDDEN, http: { status: 403 } } });
  }
  if (error instanceof StoreUnavailableError) {
    return new GraphQLError(UNAVAILABLE_MESSAGE, { originalError: error, extensions: { code: ErrorCode.AUTHZ_UNAVAILABLE, http: { status: 503 } } });
  }
  return error;
}

/**
 * The one place where errors become what clients see. Domain errors get their code and
 * message; errors Apollo already classified keep their code; anything else is an
 * internal error: logged in full, and shown masked (with the trace ID to quote, added by
 * plugins/http-status.ts) unless `exposeInternals` (development). Masked messages never
 * carry SQL, host names or file paths: those live only in the logged error.
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
    if (original instanceof StoreUnavailableError || (original instanceof GraphQLError && original.originalError instanceof StoreUnavailableError)) {
      options.onInternalError(original);
      return { message: UNAVAILABLE_MESSAGE, path: formatted.path, extensions: { code: ErrorCode.AUTHZ_UNAVAILABLE } };
    }
    if (original instanceof L2UnavailableError) {
      options.onInternalError(original);
      return { message: L2_UNAVAILABLE_MESSAGE, path: formatted.path, extensions: { code: ErrorCode.L2_UNAVAILABLE } };
    }
    if (original instanceof UnauthenticatedError) {
      return { message: original.message, path: formatted.path, extensions: { code: ErrorCode.UNAUTHENTICATED } };
    }
    if (original instanceof ForbiddenError) {
      return { message: original.message, path: formatted.path, extensions: { code: ErrorCode.FORBIDDEN } };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      // Apollo's own classified errors: keep message, code and location, drop anything
      // else it attached (a stack trace outside development).
      return options.exposeInternals ? formatted : { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
    }
    options.onInternalError(original);
    if (options.exposeInternals) return formatted;
    return { message: 'Internal server error', path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}
