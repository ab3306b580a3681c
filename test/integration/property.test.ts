import fc from 'fast-check';
import { seed } from '../helpers/policy';
import { PrivateRedis } from '../helpers/redis-server';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

/**
 * Property: can(u, o, p).allowed equals "p matches a pattern of permissions(u, o)", and
 * both equal the policy's own answer, with the cache cold, warm, and Redis down.
 */
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'];
const ORGS = ['acme', 'globex', 'initech'];
const RESOURCES = ['document', 'billing', 'report', 'comment'];
const ACTIONS = ['read', 'edit', 'export', 'refund'];
const PAST = '2020-01-01T00:00:00Z';
const FUTURE = '2999-01-01T00:00:00Z';
const POLICY = {
  organizations: [{ id: 'acme', name: 'Acme' }, { id: 'globex', name: 'Globex' }, { id: 'initech', name: 'Initech' }],
  roles: [
    { orgId: 'acme', name: 'admin', permissions: ['*:*'] },
    { orgId: 'acme', name: 'editor', permissions: ['document:*', 'comment:*'] },
    { orgId: 'acme', name: 'viewer', permissions: ['*:read'] },
    { orgId: 'globex', name: 'billing', permissions: ['billing:*', 'report:export'] },
  ],
  memberships: [
    { userId: 'alice', orgId: 'acme', roles: ['admin'] },
    { userId: 'bob', orgId: 'acme', roles: ['editor', 'viewer'] },
    { userId: 'carol', orgId: 'acme', roles: ['viewer'] },
    { userId: 'dave', orgId: 'acme', roles: [] },
    { userId: 'carol', orgId: 'globex', roles: ['billing'] },
    { userId: 'erin', orgId: 'initech', roles: [] },
  ],
  grants: [
    { userId: 'carol', orgId: 'acme', permission: 'report:export', expiresAt: FUTURE },
    { userId: 'dave', orgId: 'acme', permission: 'document:read', expiresAt: PAST },
    { userId: 'erin', orgId: 'initech', permission: 'billing:*' },
  ],
};

const matches = (pattern: string, permission: string) => {
  const [pr, pa] = pattern.split(':');
  const [r, a] = permission.split(':');
  return (pr === '*' || pr === r) && (pa === '*' || pa === a);
};

/** The policy's answer, computed from the file, not by the gateway. */
function expected(user: string, org: string, permission: string): boolean {
  const member = POLICY.memberships.find((m) => m.userId === user && m.orgId === org);
  if (!member) return false;
  const patterns = POLICY.roles.filter((r) => r.orgId === org && member.roles.includes(r.name)).flatMap((r) => r.permissions);
  const grants = POLICY.grants.filter((g) => g.userId === user && g.orgId === org && (!g.expiresAt || Date.parse(g.expiresAt) > Date.now()));
  return [...patterns, ...grants.map((g) => g.permission)].some((p) => matches(p, permission));
}

const CAN = `query($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { allowed cacheStatus } }`;
const PERMS = `query($u: ID!, $o: ID!) { permissions(userId: $u, orgId: $o) { permissions cacheStatus } }`;
const question = fc.record({
  user: fc.constantFrom(...USERS),
  org: fc.constantFrom(...ORGS),
  permission: fc.tuple(fc.constantFrom(...RESOURCES), fc.constantFrom(...ACTIONS)).map(([r, a]) => `${r}:${a}`),
});

let redis: PrivateRedis;
let gw: TestGateway;

beforeAll(async () => {
  redis = await PrivateRedis.start();
  gw = await startTestGateway({ REDIS_URL: redis.url, AUTHZ_L2_BREAKER_MS: '50' });
  await seed(gw.gateway.database.prisma, POLICY);
});
afterAll(async () => {
  await gw?.close();
  await redis?.stop();
});

/** Asks can and permissions in separate requests; checks both against each other and the policy; returns the statuses. */
async function check({ user, org, permission }: { user: string; org: string; permission: string }): Promise<string[]> {
  const can = await gw.gql<{ can: { allowed: boolean; cacheStatus: string } }>(CAN, { u: user, o: org, p: permission });
  const perms = await gw.gql<{ permissions: { permissions: string[]; cacheStatus: string } }>(PERMS, { u: user, o: org });
  expect(can.data!.can.allowed).toBe(perms.data!.permissions.permissions.some((p) => matches(p, permission)));
  expect(can.data!.can.allowed).toBe(expected(user, org, permission));
  return [can.data!.can.cacheStatus, perms.data!.permissions.cacheStatus];
}

test('cold cache (L2 flushed before every question)', async () => {
  await fc.assert(
    fc.asyncProperty(question, async (q) => {
      await redis.command(['FLUSHALL']);
      expect((await check(q))[0]).toBe('MISS');
    }),
    { numRuns: 60 },
  );
});

test('warm cache', async () => {
  await fc.assert(
    fc.asyncProperty(question, async (q) => {
      await check(q);
      expect(await check(q)).toEqual(['L2_HIT', 'L2_HIT']);
    }),
    { numRuns: 60 },
  );
});

test('Redis down', async () => {
  await redis.kill();
  await fc.assert(
    fc.asyncProperty(question, async (q) => {
      expect(new Set(await check(q))).toEqual(new Set(['DEGRADED']));
    }),
    { numRuns: 60 },
  );
});
