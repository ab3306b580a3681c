import fc from 'fast-check';
import { describeIdProblem } from '../../src/authz/identifiers';
import { seed } from '../helpers/policy';
import { PrivateRedis } from '../helpers/redis-server';
import { type GraphQLResponse, startTestGateway, type TestGateway } from '../helpers/test-gateway';

type WhoCanPage = { users: Array<{ userId: string; via: string[] }>; pageInfo: { hasNextPage: boolean; endCursor: string } };

/**
 * Property: on random policies (wildcards, expired and unexpired grants, hostile IDs),
 * whoCan walked page by page with a small `first` lists exactly the users for whom
 * `can` is true, each once, in user ID order, with the reasons the policy gives;
 * with the L2 cache cold and warm.
 */
// Each run imports a policy and walks pages over HTTP: generous on a busy machine.
jest.setTimeout(120_000);
const PAST = '2020-01-01T00:00:00Z';
const FUTURE = '2999-01-01T00:00:00Z';
const RESOURCES = ['document', 'report'];
const ACTIONS = ['read', 'edit'];
const PERMISSIONS = [...RESOURCES.flatMap((r) => ACTIONS.map((a) => `${r}:${a}`)), 'billing:refund'];
const HOSTILE = ['alice', 'Bob', "o'brien", 'a b', '%', '_', '\\', '"q"', 'ü', 'u\u0308', 'ß', 'SS', '😀', 'x\u200by', 'auth0|123', 'a@b.c', 'Ω', '\u00a0', 'NULL', "'); DROP TABLE grants; --"];

const id = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }).filter((s) => describeIdProblem(s) === null));
const pattern = fc.tuple(fc.constantFrom(...RESOURCES, '*'), fc.constantFrom(...ACTIONS, '*')).map(([r, a]) => `${r}:${a}`);
const expiry = fc.constantFrom<string | null>(null, PAST, FUTURE);
const ROLE_NAMES = ['admin', 'editor', 'viewer', "rôle 'x'"];

interface Policy {
  roles: Array<{ name: string; permissions: string[] }>;
  members: Array<{ userId: string; roles: string[]; grants: Array<{ permission: string; expiresAt: string | null }> }>;
  strangers: string[];
}

const policy: fc.Arbitrary<Policy> = fc
  .record({
    roles: fc.uniqueArray(fc.record({ name: fc.constantFrom(...ROLE_NAMES), permissions: fc.uniqueArray(pattern, { maxLength: 3 }) }), { selector: (r) => r.name, maxLength: 4 }),
    users: fc.uniqueArray(id, { minLength: 1, maxLength: 9 }),
  })
  .chain(({ roles, users }) =>
    fc.record({
      roles: fc.constant(roles),
      members: fc.tuple(
        ...users.map((userId) =>
          fc.record({
            userId: fc.constant(userId),
            member: fc.boolean(),
            roles: fc.subarray(roles.map((r) => r.name)),
            grants: fc.uniqueArray(fc.record({ permission: pattern, expiresAt: expiry }), { selector: (g) => g.permission, maxLength: 2 }),
          }),
        ),
      ),
    }),
  )
  .map(({ roles, members }) => ({
    roles,
    members: members.filter((m) => m.member).map(({ member: _m, ...m }) => m),
    strangers: members.filter((m) => !m.member).map((m) => m.userId),
  }));

const matches = (p: string, permission: string) => {
  const [pr, pa] = p.split(':');
  const [r, a] = permission.split(':');
  return (pr === '*' || pr === r) && (pa === '*' || pa === a);
};

/** The policy's own answer, sorted by user ID as PostgreSQL's C.UTF-8 collation sorts (code points). */
function expected(p: Policy, permission: string): Array<{ userId: string; via: string[] }> {
  const answer = p.members.flatMap((m) => {
    const roles = p.roles.filter((r) => m.roles.includes(r.name) && r.permissions.some((x) => matches(x, permission))).map((r) => r.name).sort(byCodePoint);
    const grants = m.grants.filter((g) => g.expiresAt !== PAST && matches(g.permission, permission)).map((g) => `grant:${g.permission}`).sort(byCodePoint);
    return roles.length + grants.length > 0 ? [{ userId: m.userId, via: [...roles, ...grants] }] : [];
  });
  return answer.sort((a, b) => byCodePoint(a.userId, b.userId));
}

function byCodePoint(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const WHO = `query W($o: ID!, $p: String!, $first: Int, $after: String) { whoCan(orgId: $o, permission: $p, first: $first, after: $after) { users { userId via } pageInfo { hasNextPage endCursor } } }`;
const CHECKS = `query C($r: [CheckInput!]!) { checks(requests: $r) { userId allowed cacheStatus } }`;

let redis: PrivateRedis;
let gw: TestGateway;
let orgs = 0;

beforeAll(async () => {
  redis = await PrivateRedis.start();
  gw = await startTestGateway({ REDIS_URL: redis.url });
});
afterAll(async () => {
  await gw?.close();
  await redis?.stop();
});

/** A new organization (hostile ID, made unique) holding the policy. */
async function load(p: Policy, orgBase: string): Promise<string> {
  const orgId = `${orgBase}#${++orgs}`;
  await seed(gw.gateway.database.prisma, {
    organizations: [{ id: orgId, name: 'Org' }],
    roles: p.roles.map((r) => ({ orgId, ...r })),
    memberships: p.members.map((m) => ({ orgId, userId: m.userId, roles: m.roles })),
    grants: p.members.flatMap((m) => m.grants.map((g) => ({ orgId, userId: m.userId, ...g }))),
  });
  return orgId;
}

async function walk(orgId: string, permission: string, first: number) {
  const users: Array<{ userId: string; via: string[] }> = [];
  let after: string | null = null;
  do {
    const res: GraphQLResponse<{ whoCan: WhoCanPage }> = await gw.gql<{ whoCan: WhoCanPage }>(WHO, { o: orgId, p: permission, first, after });
    expect(res.errors).toBeUndefined();
    users.push(...res.data!.whoCan.users);
    after = res.data!.whoCan.pageInfo.hasNextPage ? res.data!.whoCan.pageInfo.endCursor : null;
  } while (after !== null);
  return users;
}

async function allowedByCan(p: Policy, orgId: string, permission: string, status: string): Promise<string[]> {
  const everyone = [...p.members.map((m) => m.userId), ...p.strangers];
  const res = await gw.gql<{ checks: Array<{ userId: string; allowed: boolean; cacheStatus: string }> }>(CHECKS, { r: everyone.map((userId) => ({ userId, orgId, permission })) });
  expect(res.errors).toBeUndefined();
  for (const d of res.data!.checks) expect(d.cacheStatus).toBe(status);
  return res.data!.checks.filter((d) => d.allowed).map((d) => d.userId);
}

const scenario = fc.record({ policy, org: id, first: fc.integer({ min: 1, max: 3 }), permission: fc.constantFrom(...PERMISSIONS) });

test('cold: whoCan equals the members for whom can is true (L2 flushed first)', async () => {
  await fc.assert(
    fc.asyncProperty(scenario, async ({ policy: p, org, first, permission }) => {
      const orgId = await load(p, org);
      await redis.command(['FLUSHALL']);
      const listed = await walk(orgId, permission, first);
      const allowed = await allowedByCan(p, orgId, permission, 'MISS');
      expect(listed.map((u) => u.userId).sort(byCodePoint)).toEqual([...allowed].sort(byCodePoint));
      expect(listed).toEqual(expected(p, permission));
    }),
    { numRuns: 40 },
  );
});

test('warm: the same with every set served from L2', async () => {
  await fc.assert(
    fc.asyncProperty(scenario, async ({ policy: p, org, first, permission }) => {
      const orgId = await load(p, org);
      await allowedByCan(p, orgId, permission, 'MISS');
      const allowed = await allowedByCan(p, orgId, permission, 'L2_HIT');
      const listed = await walk(orgId, permission, first);
      expect(listed.map((u) => u.userId).sort(byCodePoint)).toEqual([...allowed].sort(byCodePoint));
      expect(listed).toEqual(expected(p, permission));
    }),
    { numRuns: 40 },
  );
});
