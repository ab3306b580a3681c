import { SignJWT } from 'jose';
import { seed } from '../helpers/policy';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

/** whoCan through the GraphQL API: answers, pages, cursors across changes, validation and scopes. */
const SECRET = 'test-secret-that-is-long-enough-for-hs256';
const WHO = `query W($o: ID!, $p: String!, $first: Int, $after: String, $c: Consistency) {
  whoCan(orgId: $o, permission: $p, first: $first, after: $after, consistency: $c) { users { userId via } pageInfo { hasNextPage endCursor } }
}`;
const POLICY = {
  organizations: [{ id: 'acme', name: 'Acme' }, { id: 'globex', name: 'Globex' }],
  roles: [
    { orgId: 'acme', name: 'admin', permissions: ['*:*'] },
    { orgId: 'acme', name: 'editor', permissions: ['document:*', 'comment:*'] },
    { orgId: 'acme', name: 'viewer', permissions: ['*:read'] },
    { orgId: 'globex', name: 'editor', permissions: ['document:*'] },
  ],
  memberships: [
    { userId: 'alice', orgId: 'acme', roles: ['admin'] },
    { userId: 'bob', orgId: 'acme', roles: ['editor', 'viewer'] },
    { userId: 'carol', orgId: 'acme', roles: ['viewer'] },
    { userId: 'dave', orgId: 'acme', roles: [] },
    { userId: 'erin', orgId: 'acme', roles: [] },
    { userId: 'frank', orgId: 'globex', roles: ['editor'] },
    ...Array.from({ length: 12 }, (_, i) => ({ userId: `u${String(i).padStart(2, '0')}`, orgId: 'acme', roles: ['editor'] })),
  ],
  grants: [
    { userId: 'dave', orgId: 'acme', permission: 'document:read', expiresAt: '2020-01-01T00:00:00Z' },
    { userId: 'erin', orgId: 'acme', permission: 'document:edit', expiresAt: '2999-01-01T00:00:00Z' },
    { userId: 'erin', orgId: 'acme', permission: '*:edit' },
    { userId: 'carol', orgId: 'acme', permission: 'report:export' },
  ],
};

type Page = { users: Array<{ userId: string; via: string[] }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
let gw: TestGateway;
let admin: string;

async function jwt(scope: string, sub = 'tester'): Promise<string> {
  return new SignJWT({ scope }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuer('https://idp.test').setAudience('authz-gateway').setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(SECRET));
}

async function ask(variables: Record<string, unknown>, token = admin) {
  const response = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: WHO, variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: { whoCan: Page } | null; errors?: Array<{ message: string; extensions?: { code?: string } }> } };
}

async function page(variables: Record<string, unknown>): Promise<Page> {
  const res = await ask(variables);
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.whoCan;
}

/** Every page in turn with `first`; also checks each page's size and cursor. */
async function walk(o: string, p: string, first: number): Promise<Page['users']> {
  const users: Page['users'] = [];
  let after: string | null = null;
  // Bounded: a cursor that never reaches the end fails here rather than at jest's timeout.
  for (let pages = 0; pages < 1_000; pages++) {
    const current: Page = await page({ o, p, first, after });
    expect(current.users.length).toBeLessThanOrEqual(first);
    users.push(...current.users);
    if (!current.pageInfo.hasNextPage) return users;
    expect(current.users).toHaveLength(first);
    after = current.pageInfo.endCursor;
  }
  throw new Error(`${o}/${p}: still a next page after 1,000 pages of ${first}`);
}

beforeAll(async () => {
  gw = await startTestGateway({ AUTH_MODE: 'apikey,jwt', AUTH_JWT_SECRET: SECRET, AUTH_JWT_ISSUER: 'https://idp.test', AUTH_JWT_AUDIENCE: 'authz-gateway' });
  await seed(gw.gateway.database.prisma, POLICY);
  admin = await jwt('authz:admin');
});
afterAll(() => gw?.close());

test('members by user ID with the reasons: role names and unexpired matching grants', async () => {
  const users = await walk('acme', 'document:edit', 100);
  const editors = Array.from({ length: 12 }, (_, i) => ({ userId: `u${String(i).padStart(2, '0')}`, via: ['editor'] }));
  expect(users).toEqual([
    { userId: 'alice', via: ['admin'] },
    { userId: 'bob', via: ['editor'] },
    { userId: 'erin', via: ['grant:*:edit', 'grant:document:edit'] },
    ...editors,
  ]);
  // dave's only matching grant expired; carol's role and grant do not match.
  expect((await walk('acme', 'document:read', 100)).map((u) => u.userId)).toEqual(['alice', 'bob', 'carol', ...editors.map((e) => e.userId)]);
  expect(await walk('acme', 'report:export', 100)).toEqual([{ userId: 'alice', via: ['admin'] }, { userId: 'carol', via: ['grant:report:export'] }]);
  expect(await walk('globex', 'document:edit', 100)).toEqual([{ userId: 'frank', via: ['editor'] }]);
  expect(await walk('initech', 'document:edit', 100)).toEqual([]);
});

test('pages of any size add up to the whole answer, one SQL statement per page', async () => {
  const pageStatements = () => gw.requestSql().length;
  const all = await walk('acme', 'document:edit', 1000);
  for (const first of [1, 2, 5, 14, 15]) {
    const before = pageStatements();
    const pages = Math.max(1, Math.ceil(all.length / first));
    expect(await walk('acme', 'document:edit', first)).toEqual(all);
    // A last page that is exactly full needs one more (empty) page only when hasNextPage said so: it does not.
    expect(pageStatements() - before).toBe(pages);
  }
});

test('a cursor stays valid across changes: unchanged members are neither repeated nor skipped', async () => {
  const first = await page({ o: 'acme', p: 'comment:edit', first: 4 });
  expect(first.users.map((u) => u.userId)).toEqual(['alice', 'bob', 'erin', 'u00']);
  const prisma = gw.gateway.database.prisma;
  // A member removed from the page already read, one removed and one added further on.
  await prisma.membership.delete({ where: { orgId_userId: { orgId: 'acme', userId: 'bob' } } });
  await prisma.membership.delete({ where: { orgId_userId: { orgId: 'acme', userId: 'u05' } } });
  await seed(prisma, { memberships: [{ userId: 'u04a', orgId: 'acme', roles: ['editor'] }] });
  const rest: Page['users'] = [];
  let after = first.pageInfo.endCursor;
  while (after) {
    const next = await page({ o: 'acme', p: 'comment:edit', first: 3, after });
    rest.push(...next.users);
    after = next.pageInfo.hasNextPage ? next.pageInfo.endCursor : null;
  }
  expect(rest.map((u) => u.userId)).toEqual(['u01', 'u02', 'u03', 'u04', 'u04a', 'u06', 'u07', 'u08', 'u09', 'u10', 'u11']);
});

test('invalid arguments: BAD_USER_INPUT with a clear message', async () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ o: 'acme', p: 'document:edit', first: 0 }, /first must be between 1 and 1000/],
    [{ o: 'acme', p: 'document:edit', first: 1001 }, /first must be between 1 and 1000/],
    [{ o: 'acme', p: 'document:*' }, /permission .*is a pattern/],
    [{ o: 'acme', p: 'Document:edit' }, /permission/],
    [{ o: '', p: 'document:edit' }, /orgId must not be empty/],
    [{ o: 'acme', p: 'document:edit', after: 'not a cursor!' }, /after is not a cursor returned by whoCan/],
    [{ o: 'acme', p: 'document:edit', after: Buffer.from([0xff, 0xfe]).toString('base64url') }, /after is not a cursor/],
    [{ o: 'acme', p: 'document:edit', c: { mode: 'AT_LEAST_AS_FRESH' } }, /needs a token/],
  ];
  for (const [variables, message] of cases) {
    const res = await ask(variables);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.message).toMatch(message);
  }
});

test('every consistency mode reads PostgreSQL', async () => {
  const all = await walk('acme', 'document:edit', 1000);
  for (const c of [{ mode: 'MINIMIZE_LATENCY' }, { mode: 'FULLY_CONSISTENT' }]) {
    expect((await page({ o: 'acme', p: 'document:edit', first: 1000, c })).users).toEqual(all);
  }
});

test('scopes: authz:check and authz:admin may ask; authz:check:self may not', async () => {
  expect((await ask({ o: 'acme', p: 'report:export' }, await jwt('authz:check'))).body.data?.whoCan.users).toHaveLength(2);
  const self = await ask({ o: 'acme', p: 'report:export' }, await jwt('authz:check:self', 'carol'));
  expect(self.status).toBe(403);
  expect(self.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
});
