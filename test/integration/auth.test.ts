import { SignJWT } from 'jose';
import { runScript } from '../helpers/cli';
import { seed } from '../helpers/policy';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

/** Every authentication and scope case, against a gateway with AUTH_MODE=apikey,jwt. */
const SECRET = 'test-secret-that-is-long-enough-for-hs256';
const ISSUER = 'https://idp.test';
const AUDIENCE = 'authz-gateway';
const CAN = `query Can($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { allowed } }`;
const PERMS = `query P($u: ID!, $o: ID!) { permissions(userId: $u, orgId: $o) { permissions } }`;
const CHECKS = `query C($r: [CheckInput!]!) { checks(requests: $r) { allowed } }`;
const POLICY = {
  organizations: [{ id: 'acme', name: 'Acme' }],
  roles: [{ orgId: 'acme', name: 'editor', permissions: ['document:*'] }],
  memberships: [
    { userId: 'bob', orgId: 'acme', roles: ['editor'] },
    { userId: 'carol', orgId: 'acme', roles: ['editor'] },
  ],
};

interface Res {
  status: number;
  body: { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

let gw: TestGateway;
/** Every log line the gateway wrote (LOG_LEVEL=debug), to check what it says about callers. */
const logLines: string[] = [];

async function post(path: string, body: unknown, token?: string): Promise<Res> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${gw.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Res['body'] };
}
const gql = (query: string, variables: Record<string, unknown>, token?: string) => post('/graphql', { query, variables }, token);
const canBob = (token?: string) => gql(CAN, { u: 'bob', o: 'acme', p: 'document:edit' }, token);

async function jwt(claims: Record<string, unknown>, options: { sub?: string; exp?: number | string; nbf?: number | string; aud?: string; iss?: string; secret?: string } = {}): Promise<string> {
  const token = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(options.sub ?? 'bob')
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m');
  if (options.nbf !== undefined) token.setNotBefore(options.nbf);
  return token.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

function expectCode(res: Res, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.body.errors?.[0]?.extensions?.code).toBe(code);
  expect(res.body.data ?? null).toBeNull();
}

beforeAll(async () => {
  gw = await startTestGateway(
    { AUTH_MODE: 'apikey,jwt', AUTH_JWT_SECRET: SECRET, AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE, LOG_LEVEL: 'debug' },
    { logDestination: { write: (line) => void logLines.push(line) } },
  );
  await seed(gw.gateway.database.prisma, POLICY);
});
afterAll(() => gw?.close());

describe('missing or invalid credentials: 401 UNAUTHENTICATED', () => {
  test('no token', async () => expectCode(await canBob(), 401, 'UNAUTHENTICATED'));
  test('not a bearer header', async () => {
    const response = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });
  test('garbage token', async () => expectCode(await canBob('nonsense'), 401, 'UNAUTHENTICATED'));
  test('unknown API key', async () => expectCode(await canBob('agk_doesnotexist'), 401, 'UNAUTHENTICATED'));
  test('JWT signed with another secret', async () => expectCode(await canBob(await jwt({ scope: 'authz:check' }, { secret: 'x'.repeat(40) })), 401, 'UNAUTHENTICATED'));
  test('expired JWT', async () => {
    const res = await canBob(await jwt({ scope: 'authz:check' }, { exp: Math.floor(Date.now() / 1000) - 60 }));
    expectCode(res, 401, 'UNAUTHENTICATED');
    expect(res.body.errors![0]!.message).toMatch(/expired/);
  });
  test('JWT not valid yet (nbf)', async () => expectCode(await canBob(await jwt({ scope: 'authz:check' }, { nbf: '10m' })), 401, 'UNAUTHENTICATED'));
  test('JWT for another audience', async () => expectCode(await canBob(await jwt({ scope: 'authz:check' }, { aud: 'someone-else' })), 401, 'UNAUTHENTICATED'));
  test('JWT from another issuer', async () => expectCode(await canBob(await jwt({ scope: 'authz:check' }, { iss: 'https://evil.test' })), 401, 'UNAUTHENTICATED'));
  test('unsigned JWT (alg none)', async () => {
    const body = Buffer.from(JSON.stringify({ sub: 'bob', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 60, scope: 'authz:check' })).toString('base64url');
    expectCode(await canBob(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${body}.`), 401, 'UNAUTHENTICATED');
  });
  test('the REST endpoint too', async () => {
    const res = await post('/api/v1/authorization/check', { user_id: 'bob', org_id: 'acme', permission: 'document:edit' });
    expect(res.status).toBe(401);
  });
  test('/health stays open', async () => expect((await fetch(`${gw.url}/health`)).status).toBe(200));
});

describe('scopes', () => {
  test('authz:check may ask about anyone', async () => {
    const token = await jwt({ scope: 'authz:check' }, { sub: 'service-a' });
    expect((await canBob(token)).body.data).toEqual({ can: { allowed: true } });
  });

  test('authz:check:self may ask about its own sub, everywhere', async () => {
    const token = await jwt({ scope: 'openid authz:check:self' }, { sub: 'bob' });
    expect((await canBob(token)).body.data).toEqual({ can: { allowed: true } });
    expect((await gql(PERMS, { u: 'bob', o: 'acme' }, token)).body.data).toEqual({ permissions: { permissions: ['document:*'] } });
    expect((await gql(CHECKS, { r: [{ userId: 'bob', orgId: 'acme', permission: 'document:read' }] }, token)).status).toBe(200);
    const rest = await post('/api/v1/authorization/check', { user_id: 'bob', org_id: 'acme', permission: 'document:edit' }, token);
    expect(rest).toEqual({ status: 200, body: { allowed: true, cache_status: expect.any(String) } });
  });

  test('authz:check:self asking about another user: FORBIDDEN in can, permissions, any checks entry and REST', async () => {
    const token = await jwt({ scope: 'authz:check:self' }, { sub: 'carol' });
    expectCode(await canBob(token), 403, 'FORBIDDEN');
    expectCode(await gql(PERMS, { u: 'bob', o: 'acme' }, token), 403, 'FORBIDDEN');
    const mixed = [
      { userId: 'carol', orgId: 'acme', permission: 'document:read' },
      { userId: 'bob', orgId: 'acme', permission: 'document:read' },
    ];
    expectCode(await gql(CHECKS, { r: mixed }, token), 403, 'FORBIDDEN');
    const rest = await post('/api/v1/authorization/check', { user_id: 'bob', org_id: 'acme', permission: 'document:edit' }, token);
    expect(rest.status).toBe(403);
    expect(rest.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
  });

  test('a valid token without any authz scope: FORBIDDEN', async () => {
    expectCode(await canBob(await jwt({ scope: 'openid profile' }, { sub: 'bob' })), 403, 'FORBIDDEN');
  });
});

describe('API keys (npm run apikey)', () => {
  const apikey = (args: string[]) => runScript('scripts/apikey.ts', args, { DATABASE_URL: gw.database.url, LOG_LEVEL: 'silent' });

  test('created with a scope, used, listed without its secret, revoked: then 401', async () => {
    const created = await apikey(['create', '--name', 'billing-service', '--scopes', 'authz:check']);
    expect(created.code).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^agk_[A-Za-z0-9_-]{43}$/);
    const row = await gw.gateway.database.prisma.apiKey.findUniqueOrThrow({ where: { name: 'billing-service' } });
    expect(row.hash).not.toContain(secret);
    expect(JSON.stringify(row)).not.toContain(secret);

    expect((await canBob(secret)).body.data).toEqual({ can: { allowed: true } });
    const listed = await apikey(['list']);
    expect(listed.stdout).toContain('billing-service');
    expect(listed.stdout).not.toContain(secret);

    expect((await apikey(['revoke', 'billing-service'])).code).toBe(0);
    expectCode(await canBob(secret), 401, 'UNAUTHENTICATED');

    // Logs name the caller, never the secret (nor the JWT secret from the configuration).
    const log = logLines.join('');
    expect(log).toContain('"caller":"billing-service"');
    expect(log).not.toContain(secret);
    expect(log).not.toContain(secret.slice(4, 20));
    expect(log).not.toContain(SECRET);
  });

  test('a self-only key is a caller named after the key: it may not ask about users', async () => {
    const created = await apikey(['create', '--name', 'kiosk', '--scopes', 'authz:check:self']);
    expectCode(await canBob(created.stdout.trim()), 403, 'FORBIDDEN');
  });

  test('bad arguments are refused', async () => {
    expect((await apikey(['create', '--name', 'x', '--scopes', 'authz:everything'])).code).toBe(1);
    expect((await apikey(['frobnicate'])).code).toBe(2);
  });
});

describe('administration needs authz:admin, and the audit trail names the caller', () => {
  const CREATE = `mutation { createRole(orgId: "acme", name: "auditor", permissions: ["audit:read"]) { role { name } } }`;
  const AUDIT = `query A($o: ID!) { auditLog(orgId: $o, first: 1) { events { action actor } } }`;

  test('a service token (authz:check) may not change the policy or read the audit trail', async () => {
    const service = await jwt({ scope: 'authz:check' }, { sub: 'svc-bff' });
    expectCode(await gql(CREATE, {}, service), 403, 'FORBIDDEN');
    expectCode(await gql(AUDIT, { o: 'acme' }, service), 403, 'FORBIDDEN');
    expectCode(await gql(`{ organizations { id } }`, {}, service), 403, 'FORBIDDEN');
  });

  test('an admin token may, and the audit event carries its subject', async () => {
    const admin = await jwt({ scope: 'authz:admin' }, { sub: 'ops-alice' });
    const created = await gql(CREATE, {}, admin);
    expect(created.body.errors).toBeUndefined();
    expect(created.body.data.createRole.role.name).toBe('auditor');
    const audit = await gql(AUDIT, { o: 'acme' }, admin);
    expect(audit.body.data.auditLog.events).toEqual([{ action: 'createRole', actor: 'jwt:ops-alice' }]);
  });
});
