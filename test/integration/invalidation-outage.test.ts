import { pollUntil } from '../helpers/measure';
import { seed } from '../helpers/policy';
import { PrivateRedis } from '../helpers/redis-server';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

/**
 * A revoke while Redis does not answer: the change commits, its invalidation waits, and
 * when Redis answers again (with its data intact: a freeze, like a network partition
 * or an AOF restart) the pre-revoke entry must not be served before the invalidation
 * lands. Pending invalidations keep the L2 breaker open until they are flushed.
 */
const CAN = `query Can($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { allowed cacheStatus } }`;

let redis: PrivateRedis;
let gw: TestGateway;

beforeAll(async () => {
  redis = await PrivateRedis.start();
  gw = await startTestGateway({ REDIS_URL: redis.url, AUTHZ_L2_TIMEOUT_MS: '50', AUTHZ_L2_BREAKER_MS: '50' });
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

test('a revoke during a Redis freeze is never undone by the cached entry when Redis answers again', async () => {
  await can();
  expect(await can()).toEqual({ allowed: true, cacheStatus: 'L2_HIT' });

  redis.freeze();
  const revoke = await gw.gql(`mutation { revokePermission(userId: "carol", orgId: "acme", permission: "report:export") { consistencyToken } }`);
  expect(revoke.errors).toBeUndefined();
  expect(gw.gateway.changes.pendingInvalidations).toBe(1);
  expect(await can()).toEqual({ allowed: false, cacheStatus: 'DEGRADED' });

  redis.thaw();
  // Until the invalidation lands answers are DEGRADED (from PostgreSQL), then from the
  // cache again: never the cached pre-revoke "allowed".
  const seen: Array<{ allowed: boolean; cacheStatus: string }> = [];
  await pollUntil(async () => {
    const answer = await can();
    seen.push(answer);
    return answer.cacheStatus !== 'DEGRADED';
  });
  expect(seen.filter((a) => a.allowed)).toEqual([]);
  expect(gw.gateway.changes.pendingInvalidations).toBe(0);
  expect(await can()).toEqual({ allowed: false, cacheStatus: 'L2_HIT' });
});
