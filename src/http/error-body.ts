/**
 * The one error shape of every HTTP answer that is not a success, whatever produced it
 * (GraphQL, the REST compatibility endpoint, Fastify's body parsing, unknown routes, the
 * Node HTTP parser, admission control): GraphQL's
 * `{"errors":[{"message":"...","extensions":{"code":"..."}}]}`. docs/errors.md lists
 * every status and code.
 */
export interface ErrorBody {
  errors: Array<{ message: string; extensions: { code: string } & Record<string, unknown> }>;
  /** On `/api/v1/*` only: the field the REST endpoint answered before, kept for its clients. */
  error?: { code: string; message: string } & Record<string, unknown>;
}

/** Codes the HTTP layer adds to the GraphQL ones (src/graphql/errors.ts). */
export const HttpErrorCode = {
  BAD_REQUEST: 'BAD_REQUEST',
  INVALID_JSON: 'INVALID_JSON',
  FORBIDDEN_JSON_KEY: 'FORBIDDEN_JSON_KEY',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  HEADERS_TOO_LARGE: 'HEADERS_TOO_LARGE',
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  OVERLOADED: 'OVERLOADED',
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  CONSOLE_NOT_BUILT: 'CONSOLE_NOT_BUILT',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

/** The REST compatibility endpoint's prefix: its error bodies also carry `error`. */
const REST_PREFIX = '/api/v1/';

/**
 * An error body for a request to `url`. `extensions` are added next to the code (a
 * trace ID to quote, for example).
 */
export function errorBody(url: string | undefined, code: string, message: string, extensions: Record<string, unknown> = {}): ErrorBody {
  const body: ErrorBody = { errors: [{ message, extensions: { code, ...extensions } }] };
  if (url?.startsWith(REST_PREFIX)) body.error = { code, message, ...extensions };
  return body;
}
