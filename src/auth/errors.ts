/**
 * Authentication and authorization failures, as domain errors. The GraphQL edge
 * (src/graphql/errors.ts) maps them to UNAUTHENTICATED (HTTP 401) and FORBIDDEN (403).
 * Messages are safe to show: they never contain the credential.
 */

/** No credentials, or credentials that do not verify (bad, expired, revoked, wrong audience). */
export class UnauthenticatedError extends Error {
  constructor(message = 'Missing or invalid credentials') {
    super(message);
    this.name = 'UnauthenticatedError';
  }
}

/** Valid credentials that do not allow this request. */
export class ForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenError';
  }
}
