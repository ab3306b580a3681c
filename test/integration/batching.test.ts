import { seed } from '../helpers/policy';
import { RedisMonitor } from '../helpers/redis-monitor';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

const CHECKS = `query C($r: [CheckInput!]!) { checks(requests: $r) { allowed cacheStatus } }`;

let gw: TestGateway;
let monitor: RedisMonitor;

beforeAll(async () => {
  // Round trips, not latency, are under test: a generous L2 deadline keeps a 500-key
  // write-back under MONITOR on a busy machine from counting as a Redis failure.
  gw = await startTestGateway({ AUTHZ_L2_TIMEOUT_MS: '2000' });
  monitor = await RedisMonitor.start();
  const users = Array.from({ length: 500 }, (_, i) => `user-${i}`);
  await seed(gw.gateway.database.prisma, {
    organizations: [{ id: 'big', name: 'Big' }, { id: 'other', name: 'Other' }],
    roles: [{ orgId: 'big', name: 'member', permissions: ['doc:read'] }],
    memberships: users.map((userId) => ({ userId, orgId: 'big', roles: ['member'] })),
    grants: [{ userId: 'user-7', orgId: 'big', permission: 'doc:write' }],
  });
});

afterAll(async () => {
  await monitor.stop();
  await gw.close();
});

function loadStatements(): number {
  return gw.sql.filter((q) => q.includes('WITH subject AS')).length;
}

/** Runs `work` and returns the SQL statements and Redis commands it caused. */
async function roundTrips(work: () => Promise<unknown>) {
  const before = gw.sql.length;
  const redis = await monitor.commandsDuring(gw.keyPrefix, work);
  const sql = gw.sql.slice(before);
  return { sql, redis, commands: redis.map((line) => JSON.parse(`[${line.split(' ')[0]}]`)[0].toUpperCase()) };
}

describe('batching: round trips are constant in the number of (user, org) pairs', () => {
  test.each([1, 500])('%i cold pairs cost one SQL statement, one MGET and two write round trips', async (n) => {
    const requests = Array.from({ length: n }, (_, i) => ({ userId: `user-${i}`, orgId: n === 1 ? 'other' : 'big', permission: 'doc:read' }));
    const trips = await roundTrips(async () => {
      const res = await gw.gql(CHECKS, { r: requests });
      expect(res.errors).toBeUndefined();
      expect(res.data!.checks).toHaveLength(n);
      expect(res.data!.checks.every((d: { cacheStatus: string }) => d.cacheStatus === 'MISS')).toBe(true);
    });
    expect(trips.sql).toHaveLength(1);
    expect(trips.sql[0]).toContain('WITH subject AS');
    expect(trips.commands.filter((c) => c === 'MGET')).toHaveLength(1);
    // Two write round trips (MULTI transactions; MONITOR lists their SETs): new versions
    // for the never-invalidated subjects and their organization before the load, then
    // the write-back of the n sets.
    expect(trips.commands).toEqual(['MGET', ...Array(n + 1).fill('SET'), ...Array(n).fill('SET')]);
  });

  test('a warm request of 500 pairs is one MGET and no SQL', async () => {
    const requests = Array.from({ length: 500 }, (_, i) => ({ userId: `user-${i}`, orgId: 'big', permission: i % 2 ? 'doc:read' : 'doc:write' }));
    const trips = await roundTrips(async () => {
      const res = await gw.gql(CHECKS, { r: requests });
      expect(res.data!.checks.every((d: { cacheStatus: string }) => d.cacheStatus === 'L2_HIT')).toBe(true);
      expect(res.data!.checks.filter((d: { allowed: boolean }) => d.allowed)).toHaveLength(250);
    });
    expect(trips.sql).toHaveLength(0);
    expect(trips.commands).toEqual(['MGET']);
  });

  test('many permissions for one pair in one request: one load, the rest L1 hits', async () => {
    const permissions = ['doc:read', 'doc:write', 'doc:delete', 'x:y'];
    const trips = await roundTrips(async () => {
      const res = await gw.gql(CHECKS, { r: permissions.map((permission) => ({ userId: 'user-9', orgId: 'other', permission })) });
      expect(res.data!.checks.map((d: { cacheStatus: string }) => d.cacheStatus)).toEqual(['MISS', 'L1_HIT', 'L1_HIT', 'L1_HIT']);
    });
    expect(trips.sql).toHaveLength(1);
    expect(trips.commands.filter((c) => c === 'MGET')).toHaveLength(1);
  });

  test('single flight: 50 concurrent requests for the same cold pair share one SQL load', async () => {
    const before = loadStatements();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => gw.gql(CHECKS, { r: [{ userId: 'user-42', orgId: 'other', permission: 'doc:read' }] })),
    );
    expect(results.every((r) => r.data!.checks[0].allowed === false)).toBe(true);
    expect(loadStatements() - before).toBe(1);
  });
});
