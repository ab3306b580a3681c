import { bringDatabaseUp, lockTables, takeDatabaseDown, terminateWaitingBackends, waitingBackends } from '../helpers/pg-faults';
import { Timings } from '../helpers/measure';
import { waitFor } from '../helpers/wait-for';
import { seed } from '../helpers/policy';
import { PrivateRedis } from '../helpers/redis-server';
import { postGraphQL, startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/test-gateway';

/**
 * PostgreSQL faults for this file's own database only: connections refused and
 * terminated (down), or a lock that makes the permission query wait (timing out).
 * Uncached requests must fail with AUTHZ_UNAVAILABLE / 503, never allow, and never leave
 * a cached answer behind; answers already in L2 keep being served.
 */
const CAN = `query Can($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { allowed cacheStatus } }`;
const POLICY = {
  organizations: [{ id: 'acme', name: 'Acme' }],
  roles: [{ orgId: 'acme', name: 'editor', permissions: ['document:*'] }],
  memberships: ['warm', 'cold', 'slow', 'herd', 'herd2'].map((userId) => ({ userId, orgId: 'acme', roles: ['editor'] })),
};
type Can = { can: { allowed: boolean; cacheStatus: string } };

const ask = (gw: TestGateway, user: string, permission = 'document:edit') => gw.gql<Can>(CAN, { u: user, o: 'acme', p: permission });

function expectUnavailable(res: GraphQLResponse<Can>): void {
  expect(res.status).toBe(503);
  expect(res.data ?? null).toBeNull();
  expect(res.errors?.[0]?.extensions?.code).toBe('AUTHZ_UNAVAILABLE');
  expect(JSON.stringify(res)).not.toMatch(/SELECT|127\.0\.0\.1|authz_t_|\/tmp|\.ts:/);
}

describe('PostgreSQL faults', () => {
  let redis: PrivateRedis;
  let gw: TestGateway;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    // 1,000 requests at once keep the event loop busy for longer than the 50 ms L2
    // deadline; a generous one keeps the breaker shut, so every request reads L2 and the
    // herd is counted by its L2 reads.
    gw = await startTestGateway({ REDIS_URL: redis.url, AUTHZ_REQUEST_TIMEOUT_MS: '20000', AUTHZ_L2_TIMEOUT_MS: '2000' });
    await seed(gw.gateway.database.prisma, POLICY);
  });
  afterAll(async () => {
    await bringDatabaseUp(gw.database.name).catch(() => undefined);
    await gw?.close();
    await redis?.stop();
  });

  test('database down: warm answers keep coming from L2, cold ones are 503 and nothing is cached', async () => {
    expect((await ask(gw, 'warm')).data!.can).toEqual({ allowed: true, cacheStatus: 'MISS' });
    await takeDatabaseDown(gw.database.name);
    const warm = new Timings('PostgreSQL down, warm cache (L2 hits)');
    const cold = new Timings('PostgreSQL down, cold cache (503)');
    try {
      for (let i = 0; i < 10; i++) {
        const res = await warm.time(() => ask(gw, 'warm'));
        expect(res.data!.can).toEqual({ allowed: true, cacheStatus: 'L2_HIT' });
        expectUnavailable(await cold.time(() => ask(gw, 'cold')));
        expectUnavailable(await cold.time(() => ask(gw, 'nobody', 'document:read')));
      }
      const rest = await fetch(`${gw.url}/api/v1/authorization/check`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: 'cold', org_id: 'acme', permission: 'document:edit' }),
      });
      expect(rest.status).toBe(503);
    } finally {
      await bringDatabaseUp(gw.database.name);
    }
    warm.report();
    cold.report();
    expect(await redis.command(['GET', `${gw.keyPrefix}auth:perms:cold:acme`])).toBeNull();
    expect(await redis.command(['GET', `${gw.keyPrefix}auth:perms:nobody:acme`])).toBeNull();
    // Back up: the pool reconnects on the next query; the answers are loaded, not cached errors.
    await waitFor('an answer once PostgreSQL is back', async () => (await ask(gw, 'cold')).status === 200);
    expect((await ask(gw, 'nobody', 'document:read')).data!.can).toEqual({ allowed: false, cacheStatus: 'MISS' });
  });

  test('a query that never answers ends at AUTHZ_REQUEST_TIMEOUT_MS with 503, and is not cached', async () => {
    const short = await startTestGateway({ REDIS_URL: redis.url, AUTHZ_REQUEST_TIMEOUT_MS: '300', AUTHZ_L2_TIMEOUT_MS: '50' }, { database: gw.database });
    const lock = await lockTables(gw.database.name, ['memberships']);
    const timings = new Timings('PostgreSQL not answering (table locked), AUTHZ_REQUEST_TIMEOUT_MS=300');
    try {
      for (let i = 0; i < 3; i++) expectUnavailable(await timings.time(() => ask(short, 'slow')));
    } finally {
      await lock.release();
    }
    timings.report();
    expect(timings.max).toBeLessThan(2_000);
    try {
      expect((await ask(short, 'slow')).data!.can.allowed).toBe(true);
    } finally {
      await short.close();
    }
  });

  /**
   * L2 reads sent so far, as the gateway counts them. Redis's own MGET count no longer
   * says how many requests have read: concurrent requests share an MGET (coalesced-reads.ts).
   */
  const l2Reads = async () => Number(/^authz_l2_coalesced_reads_sum (\S+)$/m.exec(await (await fetch(`${gw.url}/metrics`)).text())?.[1] ?? 0);

  /** Fires `n` concurrent cold checks while the table is locked; resolves once all of them have read L2 (and so joined one load). */
  async function herd(user: string, n: number): Promise<{ lock: { release: () => Promise<void> }; responses: Promise<GraphQLResponse<Can>[]> }> {
    const lock = await lockTables(gw.database.name, ['memberships']);
    const before = await l2Reads();
    const responses = Promise.all(Array.from({ length: n }, () => postGraphQL<Can>(gw.url, CAN, { u: user, o: 'acme', p: 'document:edit' })));
    await waitFor(`${n} L2 reads of the herd`, async () => (await l2Reads()) - before >= n, { timeoutMs: 30_000 });
    return { lock, responses };
  }

  const loads = () => gw.sql.filter((q) => q.includes('unnest')).length;

  // Generous limits: 1,000 requests from one process on a shared machine.
  jest.setTimeout(90_000);

  test('stampede: 1,000 concurrent cold checks make one database load', async () => {
    const timings = new Timings('stampede of 1,000 cold checks (from release of the lock)');
    const before = loads();
    const { lock, responses } = await herd('herd', 1_000);
    const start = performance.now();
    await lock.release();
    const all = await responses;
    console.log(`[fault cost] ${timings.label}: all answered ${(performance.now() - start).toFixed(0)} ms after the lock was released`);
    expect(all.every((r) => r.status === 200 && r.data!.can.allowed === true)).toBe(true);
    expect(loads() - before).toBe(1);
  });

  test('stampede: when the one load fails, every waiter is rejected and nothing is cached', async () => {
    const { lock, responses } = await herd('herd2', 1_000);
    let all: GraphQLResponse<Can>[];
    let stragglers = 0;
    try {
      // Exactly one query waits behind the lock: the one load all 1,000 requests share.
      // (Prisma reports only finished queries, so `loads()` cannot count a failed one.)
      await waitFor('a query waiting behind the lock', async () => (await waitingBackends(gw.database.name)) > 0, { timeoutMs: 30_000 });
      const start = performance.now();
      expect(await terminateWaitingBackends(gw.database.name)).toBe(1);
      // A request whose L2 reply was still being read when the load failed starts a load of
      // its own (errors are never shared after the fact); fail those too, as the database
      // is still "down" for this subject, and count them.
      let done = false;
      const sweep = (async () => {
        for (let i = 0; i < 3_000 && !done; i++) {
          stragglers += await terminateWaitingBackends(gw.database.name);
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      all = await responses;
      done = true;
      await sweep;
      console.log(`[fault cost] stampede of 1,000 whose one load fails: all rejected ${(performance.now() - start).toFixed(0)} ms after the backend was terminated (late loads also failed: ${stragglers})`);
    } finally {
      await lock.release();
    }
    expect(all.filter((r) => r.status !== 503)).toEqual([]);
    expect(all.some((r) => r.data?.can?.allowed)).toBe(false);
    expect(await redis.command(['GET', `${gw.keyPrefix}auth:perms:herd2:acme`])).toBeNull();
  });
});
