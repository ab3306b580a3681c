import { createHash, randomBytes } from 'node:crypto';

/**
 * API key secrets: `agk_` + 32 random bytes (base64url). The prefix tells the
 * authenticator which verifier to use (a JWT never starts with it) and lets secret
 * scanners recognise a leaked key. Only the SHA-256 of the whole secret is stored: the
 * secret has 256 bits of entropy, so a slow password hash would add nothing.
 */
export const API_KEY_PREFIX = 'agk_';

export function generateApiKeySecret(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}
