import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { UnauthenticatedError } from '../../../src/auth/errors';
import { JwtVerifier } from '../../../src/auth/jwt-verifier';

/** AUTH_JWT_JWKS_URL against a real JWKS endpoint on a local port. */
test('JWKS: verifies RS256 tokens by key ID, and refuses a key the set does not hold', async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const other = await generateKeyPair('RS256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] });
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const verifier = new JwtVerifier({ secret: null, jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`, issuer: 'iss', audience: 'aud' });
    const sign = (key: Parameters<SignJWT['sign']>[0], kid: string) =>
      new SignJWT({ scope: 'authz:check:self' }).setProtectedHeader({ alg: 'RS256', kid }).setSubject('bob').setIssuer('iss').setAudience('aud').setExpirationTime('1m').sign(key);
    await expect(verifier.verify(await sign(privateKey, 'k1'))).resolves.toEqual({ kind: 'jwt', name: 'bob', scopes: ['authz:check:self'] });
    await expect(verifier.verify(await sign(other.privateKey, 'k1'))).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(verifier.verify(await sign(other.privateKey, 'k2'))).rejects.toThrow(/unknown signing key|bad signature/);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('HS256: a token without exp is refused', async () => {
  const secret = 's'.repeat(40);
  const verifier = new JwtVerifier({ secret, jwksUrl: null, issuer: 'iss', audience: 'aud' });
  const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('bob').setIssuer('iss').setAudience('aud').sign(new TextEncoder().encode(secret));
  await expect(verifier.verify(token)).rejects.toThrow(/claim exp|not a valid JWT/);
});

test('HS256: a verified token is remembered until min(exp, 60 s); failures never are', async () => {
  const secret = 's'.repeat(40);
  let now = Date.now();
  const verifier = new JwtVerifier({ secret, jwksUrl: null, issuer: 'iss', audience: 'aud' }, { maxAgeMs: 60_000, now: () => now });
  const key = new TextEncoder().encode(secret);
  const token = await new SignJWT({ scope: 'authz:check' }).setProtectedHeader({ alg: 'HS256' }).setSubject('bob').setIssuer('iss').setAudience('aud').setExpirationTime('2h').sign(key);
  const first = await verifier.verify(token);
  expect(first).toEqual({ kind: 'jwt', name: 'bob', scopes: ['authz:check'] });
  // The same caller object comes back (no second verification), frozen since it is shared.
  expect(await verifier.verify(token)).toBe(first);
  expect(Object.isFrozen(first) && Object.isFrozen(first.scopes)).toBe(true);
  // Past the 60 s bound it is verified again (a new object).
  now += 61_000;
  const again = await verifier.verify(token);
  expect(again).not.toBe(first);
  expect(again).toEqual(first);
  // A tampered token never hits the cache, and its failure is not cached either.
  const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
  await expect(verifier.verify(tampered)).rejects.toBeInstanceOf(UnauthenticatedError);
  await expect(verifier.verify(tampered)).rejects.toBeInstanceOf(UnauthenticatedError);
});

test('HS256: a remembered token stops counting at its exp', async () => {
  const secret = 's'.repeat(40);
  const key = new TextEncoder().encode(secret);
  const exp = Math.floor(Date.now() / 1000) + 30;
  let now = Date.now();
  const verifier = new JwtVerifier({ secret, jwksUrl: null, issuer: 'iss', audience: 'aud' }, { now: () => now });
  const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('bob').setIssuer('iss').setAudience('aud').setExpirationTime(exp).sign(key);
  const first = await verifier.verify(token);
  now = exp * 1000 - 1;
  expect(await verifier.verify(token)).toBe(first);
  // At exp the entry is dropped and jose decides again (here, with the real clock, it still verifies).
  now = exp * 1000;
  expect(await verifier.verify(token)).not.toBe(first);
});
