import { seed } from '../helpers/policy';
import { RawHttpConnection } from '../helpers/raw-http';
import { RedisMonitor } from '../helpers/redis-monitor';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

const CHECKS = `query C($r: [CheckInput!]!) { checks(requests: $r) { allowed cacheStatus } }`;
const CAN = `query Can($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { allowed cacheStatus } }`;

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

/** An MGET of version keys only (`auth:perms::pair:...`, `auth:perms::org:...`). */
function isSettle(line: string): boolean {
  if (/^"eval(sha)?"/i.test(line)) return /"settle" "\d+" "[^"]*" "\d+" "0"/.test(line);
  if (!/^"mget"/i.test(line)) return false;
  return line.split(' ').slice(1).every((k) => (JSON.parse(k) as string).includes('auth:perms::'));
}

/** Runs `work` and returns the SQL statements and the Redis commands clients sent for it. */
async function roundTrips(work: () => Promise<unknown>) {
  const before = gw.requestSql().length;
  // The change feed may settle a change in the background meanwhile (a script call with
  // `always` off, see invalidation.ts L2Invalidator.settle): not this request's.
  const redis = (await monitor.commandsDuring(gw.keyPrefix, work, { clientsOnly: true })).filter((line) => !isSettle(line));
  const sql = gw.requestSql().slice(before);
  // EVAL and EVALSHA are the same script call (the first call of a process sends the script).
  return { sql, redis, commands: redis.map((line) => JSON.parse(`[${line.split(' ')[0]}]`)[0].toUpperCase().replace(/^EVAL(SHA)?$/, 'SCRIPT')) };
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
    // Two write round trips: new versions for the never-invalidated subjects and their
    // organization before the load (one pipelined script call each, version-script.ts),
    // then the write-back of the n sets (MONITOR lists the SETs of its MULTI).
    expect(trips.commands).toEqual(['MGET', ...Array(n + 1).fill('SCRIPT'), ...Array(n).fill('SET')]);
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

describe('coalescing: the L2 reads of concurrent requests share an MGET (the first one read goes at once, the rest together)', () => {
  const N = 20;
  /** Request i: user-i in big, doc:read (every member) or doc:write (user-7 only). */
  const canBody = (i: number) => JSON.stringify({ query: CAN, variables: { u: `user-${i}`, o: 'big', p: i % 2 ? 'doc:read' : 'doc:write' } });
  const expected = (i: number) => ({ allowed: i % 2 === 1 || i === 7, cacheStatus: 'L2_HIT' });
  const answers = (responses: Array<{ status: number; body: string }>) =>
    responses.map((r) => {
      expect(r.status).toBe(200);
      const body = JSON.parse(r.body) as { data?: { can: unknown }; errors?: unknown };
      expect(body.errors).toBeUndefined();
      return body.data!.can;
    });
  /** The keys of each MGET, as Redis received them. */
  const mgetKeys = (redis: string[]) => redis.filter((l) => l.startsWith('"mget"') || l.startsWith('"MGET"')).map((l) => l.split(' ').slice(1).map((k) => JSON.parse(k) as string));

  let connections: RawHttpConnection[] = [];

  beforeAll(async () => {
    // Every pair in L2, and N open connections the gateway has accepted and answered on.
    const warm = await gw.gql(CHECKS, { r: Array.from({ length: N }, (_, i) => ({ userId: `user-${i}`, orgId: 'big', permission: 'doc:read' })) });
    expect(warm.errors).toBeUndefined();
    connections = await Promise.all(Array.from({ length: N }, () => RawHttpConnection.open(gw.url)));
    await Promise.all(connections.map((c, i) => c.post('/graphql', [canBody(i)])));
  });

  afterAll(() => connections.forEach((c) => c.close()));

  // The gateway runs in this process: requests written in one synchronous block are all
  // in its sockets before its event loop reads any (on loopback, a write has reached the
  // peer's socket when it returns), so it reads them in one poll phase, and a request
  // gets from its read to its getMany on promise jobs alone: the first request's read
  // goes out at once, the others' meet at the flush (check phase), and the Redis client
  // writes both MGETs together (coalesced-reads.ts). The count is exact, not a matter
  // of timing.
  test(`${N} concurrent warm requests on ${N} connections: exactly two MGETs, each request its own answer`, async () => {
    let responses: Array<{ status: number; body: string }> = [];
    const trips = await roundTrips(async () => {
      responses = (await Promise.all(connections.map((c, i) => c.post('/graphql', [canBody(i)])))).flat();
    });
    expect(answers(responses)).toEqual(Array.from({ length: N }, (_, i) => expected(i)));
    expect(trips.sql).toHaveLength(0);
    expect(trips.commands).toEqual(['MGET', 'MGET']);
    // The first request's three keys; then N - 1 permission keys and N - 1 pair versions,
    // and the organization version once, not N - 1 times.
    const [first, rest] = mgetKeys(trips.redis);
    expect(first).toHaveLength(3);
    expect(rest).toHaveLength(2 * (N - 1) + 1);
    expect(new Set(rest).size).toBe(2 * (N - 1) + 1);
    expect(new Set([...first!, ...rest!]).size).toBe(2 * N + 1);
  });

  test(`${N} requests pipelined on one connection: exactly two MGETs`, async () => {
    let responses: Array<{ status: number; body: string }> = [];
    const trips = await roundTrips(async () => {
      responses = await connections[0]!.post('/graphql', Array.from({ length: N }, (_, i) => canBody(i)));
    });
    expect(answers(responses)).toEqual(Array.from({ length: N }, (_, i) => expected(i)));
    expect(trips.commands).toEqual(['MGET', 'MGET']);
  });

  test('the 1,000-key cap splits between requests, never inside one', async () => {
    const pairs = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ userId: `user-${from + i}`, orgId: 'big', permission: 'doc:read' }));
    expect((await gw.gql(CHECKS, { r: pairs(0, 500) })).errors).toBeUndefined(); // all warm
    const checks = (from: number, count: number) => JSON.stringify({ query: CHECKS, variables: { r: pairs(from, count) } });
    const allHits = (responses: Array<Array<{ body: string }>>) =>
      responses.flat().every((r) => (JSON.parse(r.body) as { data: { checks: Array<{ cacheStatus: string }> } }).data.checks.every((d) => d.cacheStatus === 'L2_HIT'));

    // Each time, a one-pair request is read first (its MGET goes at once, 3 keys); the two
    // after it meet at the flush.
    // 2 x 249 pairs: 498 permission keys + 498 pair versions + the organization version once = 997 keys.
    let responses: Array<Array<{ body: string }>> = [];
    const small = await roundTrips(async () => {
      responses = await Promise.all([connections[0]!.post('/graphql', [checks(0, 1)]), connections[1]!.post('/graphql', [checks(0, 249)]), connections[2]!.post('/graphql', [checks(249, 249)])]);
    });
    expect(allHits(responses)).toBe(true);
    expect(small.commands).toEqual(['MGET', 'MGET']);
    expect(mgetKeys(small.redis).map((k) => k.length)).toEqual([3, 997]);

    // 2 x 500 pairs: 1,001 keys each, over the cap on their own: one MGET each, unsplit.
    const big = await roundTrips(async () => {
      responses = await Promise.all([connections[0]!.post('/graphql', [checks(0, 1)]), connections[1]!.post('/graphql', [checks(0, 500)]), connections[2]!.post('/graphql', [checks(0, 500)])]);
    });
    expect(allHits(responses)).toBe(true);
    expect(big.commands).toEqual(['MGET', 'MGET', 'MGET']);
    expect(mgetKeys(big.redis).map((k) => k.length)).toEqual([3, 1001, 1001]);
  });
});
