import { StoreUnavailableError } from '../authz/errors';
import type { AuthMode } from '../config/config';
import type { Logger } from '../observability/logger';
import { looksLikeApiKey } from './api-key';
import type { ApiKeyRecord } from './api-key-store';
import { UnauthenticatedError } from './errors';
import type { JwtVerifier } from './jwt-verifier';
import { SCOPES, type Caller, type CallerAuthenticator } from './types';

/** What the authenticator needs from the API key store. */
export interface ApiKeyLookup {
  findActive(secret: string): Promise<ApiKeyRecord | null>;
  touch(id: string, at: Date): Promise<void>;
}

/** With AUTH_MODE=none every request is this caller, with every scope (development only). */
export const ANONYMOUS: Caller = Object.freeze({ kind: 'anonymous', name: 'anonymous', scopes: [...SCOPES] });

const TOUCH_EVERY_MS = 60_000;

/**
 * `Authorization: Bearer <token>` -> Caller, by AUTH_MODE. A token with the API key
 * prefix (`agk_`) is looked up as a key (when apikey is on); anything else is verified as
 * a JWT (when jwt is on). Every failure is UnauthenticatedError, except a database that
 * cannot answer the key lookup: that is StoreUnavailableError (503), since the key may
 * well be valid, and either way nothing is allowed.
 */
export class Authenticator implements CallerAuthenticator {
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly mode: AuthMode,
    private readonly deps: { apiKeys: ApiKeyLookup | null; jwt: JwtVerifier | null; logger: Logger },
  ) {}

  async authenticate(authorization: string | undefined): Promise<Caller> {
    if (this.mode === 'none') return ANONYMOUS;
    const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(authorization ?? '');
    if (!match) throw new UnauthenticatedError(authorization ? 'the Authorization header must be "Bearer <token>"' : 'missing credentials: send Authorization: Bearer <token>');
    const token = match[1]!;
    if (looksLikeApiKey(token) && this.deps.apiKeys) return this.apiKey(token, this.deps.apiKeys);
    if (this.deps.jwt) return this.deps.jwt.verify(token);
    throw new UnauthenticatedError('invalid bearer token');
  }

  private async apiKey(secret: string, store: ApiKeyLookup): Promise<Caller> {
    let key: ApiKeyRecord | null;
    try {
      key = await store.findActive(secret);
    } catch (error) {
      throw new StoreUnavailableError('the API key store could not be read', { cause: error });
    }
    if (!key) throw new UnauthenticatedError('invalid or revoked API key');
    this.touch(key.id, store);
    return { kind: 'apikey', name: key.name, scopes: key.scopes };
  }

  /** Records lastUsedAt at most once a minute per key, off the request path; a failure only logs. */
  private touch(id: string, store: ApiKeyLookup): void {
    const now = Date.now();
    if (now - (this.touched.get(id) ?? 0) < TOUCH_EVERY_MS) return;
    this.touched.set(id, now);
    store.touch(id, new Date(now)).catch((err: unknown) => this.deps.logger.warn({ err, apiKeyId: id }, 'could not record API key use'));
  }
}
