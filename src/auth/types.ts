/**
 * Scopes a caller may hold.
 * - `authz:check:self`: an end user; may ask only about their own user ID (`sub`).
 * - `authz:check`: a service; may ask about anyone.
 * - `authz:admin`: administration (mutations, audit log, API keys); implies `authz:check`.
 */
export const SCOPES = ['authz:check:self', 'authz:check', 'authz:admin'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * The authenticated principal of one request. `name` is the API key's name or the
 * JWT's `sub`: it goes into logs and the audit trail; the secret never does.
 * `anonymous` exists only with AUTH_MODE=none (local development).
 */
export interface Caller {
  readonly kind: 'apikey' | 'jwt' | 'anonymous';
  readonly name: string;
  readonly scopes: readonly string[];
}

/** Turns an `Authorization` header into a caller, or throws UnauthenticatedError. */
export interface CallerAuthenticator {
  authenticate(authorization: string | undefined): Promise<Caller>;
}
