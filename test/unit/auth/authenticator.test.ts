import { Authenticator, ANONYMOUS, type ApiKeyLookup } from '../../../src/auth/authenticator';
import { UnauthenticatedError } from '../../../src/auth/errors';
import { StoreUnavailableError } from '../../../src/authz/errors';
import { createLogger } from '../../../src/observability/logger';

const logger = createLogger('silent');
const KEY = { id: 'key_1', name: 'svc', scopes: ['authz:check'], createdAt: new Date(), revokedAt: null, lastUsedAt: null };

/** A named fake of the API key table (the real one is covered by test/integration/auth.test.ts). */
function fakeKeys(overrides: Partial<ApiKeyLookup> = {}): ApiKeyLookup & { touches: string[] } {
  const touches: string[] = [];
  return { touches, findActive: async (s) => (s === 'agk_good' ? KEY : null), touch: async (id) => void touches.push(id), ...overrides };
}

test('AUTH_MODE=none: everyone is the anonymous caller', async () => {
  await expect(new Authenticator('none', { apiKeys: null, jwt: null, logger }).authenticate(undefined)).resolves.toBe(ANONYMOUS);
});

test('apikey: a known key is a caller named after it; its use is recorded once a minute', async () => {
  const keys = fakeKeys();
  const auth = new Authenticator('apikey', { apiKeys: keys, jwt: null, logger });
  await expect(auth.authenticate('Bearer agk_good')).resolves.toEqual({ kind: 'apikey', name: 'svc', scopes: ['authz:check'] });
  await auth.authenticate('bearer agk_good');
  expect(keys.touches).toEqual(['key_1']);
});

test('apikey: missing, malformed, unknown and non-key tokens are UnauthenticatedError', async () => {
  const auth = new Authenticator('apikey', { apiKeys: fakeKeys(), jwt: null, logger });
  for (const header of [undefined, '', 'agk_good', 'Basic agk_good', 'Bearer', 'Bearer agk_bad', 'Bearer eyJhbGciOi.x.y', 'Bearer agk_good extra']) {
    await expect(auth.authenticate(header)).rejects.toBeInstanceOf(UnauthenticatedError);
  }
});

test('apikey: a database that cannot answer is unavailable (503), not unauthenticated and never allowed', async () => {
  const auth = new Authenticator('apikey', { apiKeys: fakeKeys({ findActive: async () => Promise.reject(new Error('ECONNREFUSED 10.0.0.1:5432')) }), jwt: null, logger });
  await expect(auth.authenticate('Bearer agk_x')).rejects.toBeInstanceOf(StoreUnavailableError);
});
