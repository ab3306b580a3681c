import { StoreUnavailableError } from '../authz/errors';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { JwtConfig } from '../config/config';
import { UnauthenticatedError } from './errors';
import type { Caller } from './types';

/**
 * Verifies JWT bearer tokens with `jose`: signature (HS256 with AUTH_JWT_SECRET, or the
 * asymmetric keys at AUTH_JWT_JWKS_URL), issuer, audience, and expiry and not-before
 * (`exp` and `sub` are required; 5 s of clock skew tolerated). Scopes come from the
 * space-separated `scope` claim (RFC 8693), or a `scp` array as some providers send.
 */
export class JwtVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];
  /**
   * Tokens that verified, by their exact text, until min(exp, verified + 60 s). A BFF
   * sends the same token on every request, and jose's verification (base64url, JSON,
   * HMAC or a signature check, claim checks) was the largest cost of a warm `can`.
   * Only successes are kept; an identical string is an identical signature, so a hit
   * proves what the first verification did. The 60 s bound limits how long a key that
   * was removed from the JWKS keeps its tokens valid in this process. Bounded: the
   * oldest entry goes first.
   */
  private readonly verified = new Map<string, { caller: Caller; until: number }>();

  constructor(
    private readonly config: JwtConfig,
    private readonly cacheOptions: { maxEntries?: number; maxAgeMs?: number; now?: () => number } = {},
  ) {
    if (config.secret) {
      this.key = new TextEncoder().encode(config.secret);
      // Pinning the algorithm stops a token from choosing `none` or another family.
      this.algorithms = ['HS256'];
    } else {
      // jose caches the key set and refetches it when a token names an unknown key.
      this.key = createRemoteJWKSet(new URL(config.jwksUrl!), { timeoutDuration: 2_000 });
      this.algorithms = ['RS256', 'PS256', 'ES256', 'EdDSA'];
    }
  }

  /** @throws UnauthenticatedError with a reason safe to show (never the token). */
  async verify(token: string): Promise<Caller> {
    const now = (this.cacheOptions.now ?? Date.now)();
    const hit = this.verified.get(token);
    if (hit) {
      if (hit.until > now) return hit.caller;
      this.verified.delete(token);
    }
    const verified = await this.verifyUncached(token);
    this.remember(token, verified, now);
    return verified.caller;
  }

  private remember(token: string, entry: { caller: Caller; exp: number }, now: number): void {
    const until = Math.min(entry.exp * 1000, now + (this.cacheOptions.maxAgeMs ?? 60_000));
    if (until <= now) return;
    if (this.verified.size >= (this.cacheOptions.maxEntries ?? 10_000)) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { caller: entry.caller, until });
  }

  private async verifyUncached(token: string): Promise<{ caller: Caller; exp: number }> {
    try {
      const options = {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.algorithms,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 5,
      };
      const { payload } = typeof this.key === 'function' ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options);
      const scope = typeof payload.scope === 'string' ? payload.scope.split(' ') : Array.isArray(payload.scp) ? payload.scp : [];
      // Frozen: a cached caller is shared by every request that sends this token.
      const scopes = Object.freeze(scope.filter((s): s is string => typeof s === 'string' && s.length > 0));
      return { caller: Object.freeze({ kind: 'jwt', name: payload.sub!, scopes }), exp: payload.exp! };
    } catch (error) {
      // The identity provider's keys could not be fetched: the token may well be valid,
      // so this is "cannot decide" (503), not "bad token" (401) — no re-login storms.
      if (error instanceof joseErrors.JWKSTimeout || (this.config.jwksUrl && !(error instanceof joseErrors.JOSEError))) {
        throw new StoreUnavailableError('the JWT signing keys could not be fetched', { cause: error });
      }
      throw new UnauthenticatedError(`invalid bearer token: ${reason(error)}`);
    }
  }
}

function reason(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim ${error.claim} rejected`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'unknown signing key';
  return 'not a valid JWT';
}
