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
