import { SignJWT } from 'jose';
import { seed } from '../helpers/policy';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

// The prepared path (src/graphql/prepared/) must answer exactly as Apollo does. Two
// gateways on one database, one with GRAPHQL_PREPARED_OPERATIONS on and one with it
// off, get the same requests in the same order; every response must be the same bytes
// (trace IDs aside), status and headers included. Each request is sent three times:
// the first sighting of a text goes to Apollo, the second compiles it, the third runs
// it compiled; the log line's `pipeline` shows which path answered.

const SECRET = 'prepared-operations-test-secret-0123456789';
const ISSUER = 'prepared-test';
const AUDIENCE = 'authz-gateway';
const auth = { AUTH_MODE: 'jwt', AUTH_JWT_SECRET: SECRET, AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE, AUTHZ_MAX_CHECKS: '5', LOG_LEVEL: 'info' };

const CAN = 'query Can($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { userId orgId permission allowed cacheStatus } }';
const PERMS = 'query Perms($u: ID!, $o: ID!) { permissions(userId: $u, orgId: $o) { permissions roles cacheStatus } }';
const CHECKS = 'query Checks($r: [CheckInput!]!, $c: Consistency) { checks(requests: $r, consistency: $c) { userId permission allowed cacheStatus } }';
const FRAGMENT = `query One($u: ID!) {
  decision: can(userId: $u, orgId: "globex", permission: "document:read") { ...D __typename }
}
fragment D on Decision { allowed cacheStatus }`;
const ALIASES = `query Two($u: ID!) {
  a: can(userId: $u, orgId: "acme", permission: "document:read") { allowed }
  b: can(userId: $u, orgId: "globex", permission: "document:read") { allowed }
}`;
const ONE_FAILING = `query OneFails($u: ID!) {
  a: can(userId: $u, orgId: "acme", permission: "document:read") { allowed }
  bad: can(userId: "", orgId: "acme", permission: "document:read") { allowed }
}`;
const TWO_OPERATIONS = `${CAN}\nquery Mine($o: ID!) { permissions(userId: "bob", orgId: $o) { roles } }`;

interface Case {
  name: string;
  body: Record<string, unknown>;
  token?: 'check' | 'self' | 'none' | 'garbage';
  accept?: string;
  /** Whether the prepared path answers its second and third sending. */
  prepared: boolean;
}

const CASES: Case[] = [
  { name: 'can allowed', body: { query: CAN, variables: { u: 'bob', o: 'acme', p: 'document:edit' } }, prepared: true },
  { name: 'can denied', body: { query: CAN, variables: { u: 'carol', o: 'acme', p: 'document:edit' } }, prepared: true },
  { name: 'can, unknown organization', body: { query: CAN, variables: { u: 'bob', o: 'nowhere', p: 'document:edit' } }, prepared: true },
  { name: 'permissions', body: { query: PERMS, variables: { u: 'bob', o: 'acme' } }, prepared: true },
  {
    name: 'checks, fully consistent',
    body: { query: CHECKS, variables: { r: [{ userId: 'bob', orgId: 'acme', permission: 'document:read' }, { userId: 'carol', orgId: 'acme', permission: 'report:export' }], c: { mode: 'FULLY_CONSISTENT' } } },
    prepared: true,
  },
  { name: 'an alias, a fragment, __typename', body: { query: FRAGMENT, variables: { u: 'bob' } }, prepared: true },
  { name: 'operationName picks one of two operations', body: { query: TWO_OPERATIONS, operationName: 'Mine', variables: { o: 'acme' } }, prepared: true },
  { name: 'BAD_USER_INPUT from the decision service', body: { query: CAN, variables: { u: 'bob', o: 'acme', p: 'document' } }, prepared: true },
  {
    name: 'too many checks',
    body: { query: CHECKS, variables: { r: Array.from({ length: 6 }, (_, i) => ({ userId: `u${i}`, orgId: 'acme', permission: 'a:b' })) } },
    prepared: true,
  },
  { name: 'self-only caller asking about another user: FORBIDDEN', body: { query: CAN, variables: { u: 'alice', o: 'acme', p: 'document:edit' } }, token: 'self', prepared: true },
  { name: 'graphql-response+json accepted', body: { query: PERMS, variables: { u: 'carol', o: 'acme' } }, accept: 'application/graphql-response+json', prepared: true },
  { name: 'accept prefers JSON with a q-value', body: { query: PERMS, variables: { u: 'alice', o: 'acme' } }, accept: 'application/graphql-response+json;q=0.5, application/json', prepared: true },
  // What stays Apollo's:
  { name: 'no credentials: 401', body: { query: CAN, variables: { u: 'bob', o: 'acme', p: 'document:edit' } }, token: 'none', prepared: false },
  { name: 'a bad token: 401', body: { query: CAN, variables: { u: 'bob', o: 'acme', p: 'document:edit' } }, token: 'garbage', prepared: false },
  { name: 'variables that do not coerce', body: { query: CAN, variables: { u: 'bob', o: 'acme', p: 5 } }, prepared: false },
  { name: 'a missing variable', body: { query: CAN, variables: { u: 'bob', o: 'acme' } }, prepared: false },
  { name: 'validation failure', body: { query: '{ can(userId: "bob") { allowed } }' }, prepared: false },
  { name: 'parse failure', body: { query: '{ can(' }, prepared: false },
  { name: 'introspection', body: { query: '{ __schema { queryType { name } } }' }, prepared: false },
  { name: 'a mutation (failing, the database is shared)', body: { query: 'mutation { deleteRole(orgId: "nowhere", role: "x") { consistencyToken } }' }, prepared: false },
  // Several top-level fields: graphql-js stops at the first failing non-null field,
  // graphql-jit would run them all.
  { name: 'two top-level fields', body: { query: ALIASES, variables: { u: 'bob' } }, prepared: false },
  { name: 'two top-level fields, one failing', body: { query: ONE_FAILING, variables: { u: 'bob' } }, prepared: false },
  { name: 'a __proto__ alias', body: { query: 'query P($u: ID!) { can(userId: $u, orgId: "acme", permission: "document:read") { __proto__: allowed cacheStatus } }', variables: { u: 'bob' } }, prepared: false },
  { name: 'an operation name longer than 128 characters', body: { query: `query ${'N'.repeat(129)} { permissions(userId: "bob", orgId: "acme") { roles } }`, operationName: 'N'.repeat(129) }, prepared: false },
  { name: 'extensions (persisted queries)', body: { query: CAN, variables: { u: 'bob', o: 'acme', p: 'document:edit' }, extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } }, prepared: false },
  { name: 'variables as an array', body: { query: CAN, variables: ['bob'] }, prepared: false },
  { name: 'an unacceptable accept header: 406', body: { query: PERMS, variables: { u: 'bob', o: 'acme' } }, accept: 'text/html', prepared: false },
];

let database: TestDatabase;
let prepared: TestGateway;
let apollo: TestGateway;
const tokens: Record<string, string> = {};

async function sign(sub: string, scope: string): Promise<string> {
  return new SignJWT({ scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(SECRET));
}

beforeAll(async () => {
  database = await createTestDatabase();
  prepared = await startTestGateway({ ...auth, GRAPHQL_PREPARED_OPERATIONS: 'true' }, { database });
  apollo = await startTestGateway({ ...auth, GRAPHQL_PREPARED_OPERATIONS: 'false' }, { database });
  await seed(prepared.gateway.database.prisma, {
    organizations: [{ id: 'acme', name: 'Acme' }, { id: 'globex', name: 'Globex' }],
    roles: [
      { orgId: 'acme', name: 'admin', permissions: ['*:*'] },
      { orgId: 'acme', name: 'editor', permissions: ['document:*'] },
      { orgId: 'globex', name: 'reader', permissions: ['*:read'] },
    ],
    memberships: [
      { userId: 'alice', orgId: 'acme', roles: ['admin'] },
      { userId: 'bob', orgId: 'acme', roles: ['editor'] },
      { userId: 'bob', orgId: 'globex', roles: ['reader'] },
      { userId: 'carol', orgId: 'acme', roles: [] },
    ],
    grants: [{ userId: 'carol', orgId: 'acme', permission: 'report:export' }],
  });
  tokens.check = await sign('bff', 'authz:check');
  tokens.self = await sign('bob', 'authz:check:self');
});

afterAll(async () => {
  await prepared?.close();
  await apollo?.close();
  await database?.drop();
});

interface Answer {
  status: number;
  headers: Record<string, string | null>;
  body: string;
}

async function send(gw: TestGateway, c: Case, traceId: string): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': traceId };
  const token = c.token ?? 'check';
  if (token === 'garbage') headers.authorization = 'Bearer not-a-jwt';
  else if (token !== 'none') headers.authorization = `Bearer ${tokens[token]}`;
  if (c.accept) headers.accept = c.accept;
  const response = await fetch(`${gw.url}/graphql`, { method: 'POST', headers, body: JSON.stringify(c.body) });
  const pick = ['content-type', 'www-authenticate', 'cache-control', 'vary', 'x-request-id'];
  return {
    status: response.status,
    headers: Object.fromEntries(pick.map((h) => [h, response.headers.get(h)])),
    // The trace ID is the only thing that differs by design.
    body: (await response.text()).replaceAll(traceId, '<trace>'),
  };
}

const pipelineOf = (gw: TestGateway, traceId: string) => gw.logs.find((l) => l.event === 'graphql_request' && l.traceId === traceId)?.pipeline;

test.each(CASES.map((c, i) => [c.name, c, i] as const))('%s: the same bytes, status and headers with and without the prepared path', async (_name, c, i) => {
  for (let n = 1; n <= 3; n++) {
    const traceId = `case-${i}-${n}`;
    const fromPrepared = await send(prepared, c, traceId);
    const fromApollo = await send(apollo, c, traceId);
    expect(fromPrepared).toEqual(fromApollo);
  }
  for (const n of [2, 3]) {
    if (c.prepared) expect(pipelineOf(prepared, `case-${i}-${n}`)).toBe('prepared');
    else expect(pipelineOf(prepared, `case-${i}-${n}`)).not.toBe('prepared');
    expect(pipelineOf(apollo, `case-${i}-${n}`)).not.toBe('prepared');
  }
});

test('a query text is compiled on its second sighting: the first goes to Apollo', async () => {
  const c: Case = { name: 'new text', body: { query: `${CAN} # a text sent nowhere else`, variables: { u: 'bob', o: 'acme', p: 'document:read' } }, prepared: true };
  for (const n of [1, 2, 3]) await send(prepared, c, `sighting-${n}`);
  expect([1, 2, 3].map((n) => pipelineOf(prepared, `sighting-${n}`))).toEqual(['apollo', 'prepared', 'prepared']);
});

test('unauthenticated requests never count as sightings: nothing is parsed or compiled for them', async () => {
  const text = `${PERMS} # sent without credentials first`;
  const variables = { u: 'bob', o: 'acme' };
  const anonymous: Case = { name: 'anonymous', body: { query: text, variables }, token: 'none', prepared: false };
  const caller: Case = { ...anonymous, token: 'check' };
  for (const n of [1, 2, 3]) expect((await send(prepared, anonymous, `anonymous-${n}`)).status).toBe(401);
  for (const n of [1, 2]) await send(prepared, caller, `caller-${n}`);
  expect([1, 2].map((n) => pipelineOf(prepared, `caller-${n}`))).toEqual(['apollo', 'prepared']);
});

test('requests answered by the prepared path are counted in the GraphQL request metrics like any other', async () => {
  const metric = async () => {
    const text = await (await fetch(`${prepared.url}/metrics`)).text();
    return Number(/authz_graphql_requests_total\{operation="Perms"\} (\d+)/.exec(text)?.[1] ?? 0);
  };
  const before = await metric();
  const c = CASES.find((x) => x.name === 'permissions')!;
  for (let n = 0; n < 3; n++) await send(prepared, c, `metrics-${n}`);
  expect(pipelineOf(prepared, 'metrics-2')).toBe('prepared');
  expect((await metric()) - before).toBe(3);
});
