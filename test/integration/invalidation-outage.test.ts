import { waitFor } from '../helpers/wait-for';
import { seed } from '../helpers/policy';
import { PrivateRedis } from '../helpers/redis-server';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

/**
 * A revoke while Redis does not answer: the change cannot fence the cached sets, so it
 * is not made (L2_UNAVAILABLE, PostgreSQL unchanged). When Redis answers again (with its
 * data intact: a freeze, like a network partition) the revoke goes through, and the
 * pre-revoke entry is never served after it returned.
 */
const CAN = `query Can($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { allowed cacheStatus } }`;

let redis: PrivateRedis;
let gw: TestGateway;

beforeAll(async () => {
  redis = await PrivateRedis.start();
  gw = await startTestGateway({ REDIS_URL: redis.url, AUTHZ_L2_TIMEOUT_MS: '50', AUTHZ_L2_BREAKER_MS: '50', LOG_LEVEL: 'info' });
  await seed(gw.gateway.database.prisma, {
    organizations: [{ id: 'acme', name: 'Acme' }],
    memberships: [{ userId: 'carol', orgId: 'acme', roles: [] }],
    grants: [{ userId: 'carol', orgId: 'acme', permission: 'report:export' }],
  });
});
afterAll(async () => {
  await gw?.close();
  await redis?.stop();
});

async function can(): Promise<{ allowed: boolean; cacheStatus: string }> {
  const res = await gw.gql<{ can: { allowed: boolean; cacheStatus: string } }>(CAN, { u: 'carol', o: 'acme', p: 'report:export' });
  expect(res.errors).toBeUndefined();
  return res.data!.can;
}

test('a revoke during a Redis freeze fails and changes nothing; once Redis answers it holds at once', async () => {
  await can();
  expect(await can()).toEqual({ allowed: true, cacheStatus: 'L2_HIT' });

  redis.freeze();
  try {
    const failed = await gw.gql(`mutation { revokePermission(userId: "carol", orgId: "acme", permission: "report:export") { consistencyToken } }`);
    expect(failed.status).toBe(503);
    expect(failed.errors?.map((e) => e.extensions?.code)).toEqual(['L2_UNAVAILABLE']);
    expect(await gw.gateway.database.prisma.grant.count({ where: { orgId: 'acme', userId: 'carol' } })).toBe(1);
    const phases = gw.logs.filter((l) => l.event === 'authz_l2_invalidation_failed').map((l) => l.phase);
    expect(phases).toContain('before_commit');
    expect(phases).not.toContain('after_commit');
    expect((await can()).allowed).toBe(true);
  } finally {
    redis.thaw();
  }
  // The breaker closes once a probe reaches Redis again; the revoke then goes through.
  await waitFor('an L2 hit once the breaker closed', async () => (await can()).cacheStatus === 'L2_HIT');
  const revoke = await gw.gql(`mutation { revokePermission(userId: "carol", orgId: "acme", permission: "report:export") { consistencyToken } }`);
  expect(revoke.errors).toBeUndefined();
  const seen = [await can(), await can(), await can()];
  expect(seen.filter((a) => a.allowed)).toEqual([]);
  expect(seen.at(-1)).toEqual({ allowed: false, cacheStatus: 'L2_HIT' });
});
