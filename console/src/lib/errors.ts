/**
 * Error codes from the gateway (`extensions.code`) in plain words, so every failed
 * action tells people what happened without reading the API reference. Pure code.
 */
const PLAIN_WORDS: Record<string, string> = {
  BAD_USER_INPUT: 'The gateway did not accept the input',
  NOT_FOUND: 'Not found: it may have been changed or removed meanwhile',
  CONFLICT: 'Conflict: that already exists',
  AUTHZ_UNAVAILABLE: 'The database is unavailable; nothing was changed',
  UNAUTHENTICATED: 'Not signed in, or the key or token was not accepted',
  FORBIDDEN: 'Your key or token does not allow this',
  GRAPHQL_VALIDATION_FAILED: 'The console and the gateway disagree on the API (different versions?)',
  INTERNAL_SERVER_ERROR: 'The gateway failed unexpectedly',
  NETWORK_ERROR: 'The gateway could not be reached',
  HTTP_ERROR: 'The gateway answered with an HTTP error',
};

/** One sentence for people: the plain words for the code, then the gateway's message. */
export function describeError(code: string, message: string): string {
  const words = PLAIN_WORDS[code] ?? 'The request failed';
  return message && message !== words ? `${words} (${code}): ${message}` : `${words} (${code})`;
}

/** What each `cacheStatus` means, for the check view. */
export const CACHE_STATUS_WORDS: Record<string, string> = {
  L1_HIT: 'already loaded in this request (L1)',
  L2_HIT: 'read from the shared cache, Redis (L2)',
  MISS: 'loaded from PostgreSQL, now cached in L2',
  DISABLED: 'caching is off: loaded from PostgreSQL',
  DEGRADED: 'Redis failed: PostgreSQL answered',
};
