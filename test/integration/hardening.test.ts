import { auditServer } from 'graphql-http';
import { SignJWT } from 'jose';
import { bringDatabaseUp, takeDatabaseDown } from '../helpers/pg-faults';
import { seed } from '../helpers/policy';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

/** GraphQL over HTTP hardening: limits, body size, batching, CSRF, production masking, and the graphql-http audit. */
const POLICY = {
  organizations: [{ id: 'acme', name: 'Acme' }],
  roles: [{ orgId: 'acme', name: 'editor', permissions: ['document:*'] }],
  memberships: [{ userId: 'bob', orgId: 'acme', roles: ['editor'] }],
};

async function raw(gw: TestGateway, init: { method?: string; headers?: Record<string, string>; body?: string; query?: string }) {
  const url = `${gw.url}/graphql${init.query ? `?${init.query}` : ''}`;
  const response = await fetch(url, { method: init.method ?? 'POST', headers: init.headers ?? { 'content-type': 'application/json' }, body: init.body });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', text, json: safeJson(text) };
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

describe('development/test mode (AUTH_MODE=none)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
    await seed(gw.gateway.database.prisma, POLICY);
  });
  afterAll(() => gw?.close());

  test('the GraphQL over HTTP audit (graphql-http) finds no errors', async () => {
    const results = await auditServer({ url: `${gw.url}/graphql` });
    const errors = results.filter((r) => r.status === 'error');
    const warnings = results.filter((r) => r.status !== 'ok');
    console.log(`[audit] graphql-http: ${results.length} audits, ${errors.length} errors, ${warnings.length} warnings/notices: ${warnings.map((w) => w.name).join(' | ')}`);
    expect(errors.map((e) => `${e.name}: ${'reason' in e ? e.reason : ''}`)).toEqual([]);
  });

  test('a body over 64 KB is a clean 413 JSON error', async () => {
    const body = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(70 * 1024) } });
    const res = await raw(gw, { body });
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ errors: [{ message: 'Request body is too large', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  });

  test('malformed JSON is a 400 without internals', async () => {
    const res = await raw(gw, { body: '{"query": ' });
    expect(res.status).toBe(400);
    expect(res.text).not.toMatch(/node_modules|\/tmp|at .*\.js/);
  });

  test('a batched JSON body is refused', async () => {
    const res = await raw(gw, { body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]) });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('"data"');
  });

  test('CSRF: simple cross-site requests never reach a resolver', async () => {
    const get = await raw(gw, { method: 'GET', headers: {}, query: `query=${encodeURIComponent('{ can(userId: "bob", orgId: "acme", permission: "document:edit") { allowed } }')}` });
    expect(get.status).toBe(400);
    expect(get.text).toMatch(/CSRF|preflight/i);
    const form = await raw(gw, { headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(form.status).toBeGreaterThanOrEqual(400);
    expect(form.status).toBeLessThan(500);
    expect(form.text).not.toContain('"data"');
  });

  const rejected = async (query: string) => {
    const res = await raw(gw, { body: JSON.stringify({ query }) });
    expect(res.status).toBe(400);
    expect(res.json.data ?? null).toBeNull();
    expect(res.json.errors[0].extensions.code).toMatch(/GRAPHQL_VALIDATION_FAILED|BAD_USER_INPUT|GRAPHQL_PARSE_FAILED/);
    return res;
  };

  test('depth bomb', async () => {
    let inner = 'name';
    for (let i = 0; i < 10; i++) inner = `ofType { ${inner} }`;
    await rejected(`{ __type(name: "Query") { fields { type { ${inner} } } } }`);
  });

  test('alias bomb', async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: can(userId: "bob", orgId: "acme", permission: "document:edit") { allowed }`);
    await rejected(`{ ${aliases.join(' ')} }`);
  });

  test('token bomb', async () => {
    await rejected(`{ ${'__typename '.repeat(2_000)} }`);
  });

  test('directive bomb', async () => {
    await rejected(`{ __typename ${'@include(if: true) '.repeat(50)} }`);
  });

  test('an ordinary query within the limits still works', async () => {
    const res = await gw.gql('{ a: can(userId: "bob", orgId: "acme", permission: "document:edit") { allowed } b: permissions(userId: "bob", orgId: "acme") { roles } }');
    expect(res.data).toEqual({ a: { allowed: true }, b: { roles: ['editor'] } });
  });
});

describe('production mode', () => {
  const SECRET = 'production-secret-long-enough-for-hs256!';
  let gw: TestGateway;
  let token: string;
  beforeAll(async () => {
    gw = await startTestGateway({ NODE_ENV: 'production', AUTH_MODE: 'jwt', AUTH_JWT_SECRET: SECRET, AUTH_JWT_ISSUER: 'iss', AUTH_JWT_AUDIENCE: 'aud' });
    await seed(gw.gateway.database.prisma, POLICY);
    token = await new SignJWT({ scope: 'authz:check' }).setProtectedHeader({ alg: 'HS256' }).setSubject('svc').setIssuer('iss').setAudience('aud').setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
  });
  afterAll(async () => {
    await bringDatabaseUp(gw.database.name).catch(() => undefined);
    await gw?.close();
  });

  const ask = (query: string) => raw(gw, { headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });

  test('introspection is off, field suggestions are gone, no stack traces', async () => {
    const intro = await ask('{ __schema { types { name } } }');
    expect(intro.status).toBe(400);
    expect(intro.text).not.toContain('"types"');
    const typo = await ask('{ cann(userId: "bob", orgId: "acme", permission: "document:edit") { allowed } }');
    expect(typo.status).toBe(400);
    expect(typo.text).not.toMatch(/Did you mean|"can"/);
    expect(typo.text).not.toContain('stacktrace');
  });

  test('an unavailable database: masked message with the trace ID, no SQL, host or path', async () => {
    await takeDatabaseDown(gw.database.name);
    try {
      const res = await ask('{ can(userId: "bob", orgId: "acme", permission: "document:edit") { allowed } }');
      expect(res.status).toBe(503);
      expect(res.json.errors[0].extensions).toEqual({ code: 'AUTHZ_UNAVAILABLE', traceId: expect.any(String) });
      expect(res.text).not.toMatch(/SELECT|unnest|127\.0\.0\.1|5432|authz_t_|postgres|\/tmp|node_modules|stacktrace/i);
    } finally {
      await bringDatabaseUp(gw.database.name);
    }
  });
});
