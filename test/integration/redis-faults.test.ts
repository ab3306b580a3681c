import { seed } from '../helpers/policy';
import { Timings } from '../helpers/measure';
import { waitFor } from '../helpers/wait-for';
import { RawHttpConnection } from '../helpers/raw-http';
import { freePort, PrivateRedis } from '../helpers/redis-server';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

/**
 * Redis faults made for real on a private redis-server (killed, frozen, paused,
 * restarted by PID). Every answer must be the database's answer; what a fault costs is
 * printed as `[fault cost]` lines (and bounded only loosely: no hangs).
 */
const CAN = `query Can($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { allowed cacheStatus } }`;
const POLICY = {
  organizations: [{ id: 'acme', name: 'Acme' }],
  roles: [{ orgId: 'acme', name: 'editor', permissions: ['document:*'] }],
  memberships: ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'].map((userId) => ({ userId, orgId: 'acme', roles: ['editor'] })),
};
/** The production deadline (the helper's default is longer, for tests that are not about faults). */
const ENV = { AUTHZ_L2_BREAKER_MS: '100', AUTHZ_L2_TIMEOUT_MS: '50' };

type Answer = { allowed: boolean; cacheStatus: string };

async function ask(gw: TestGateway, user: string, permission = 'document:edit'): Promise<Answer> {
  const res = await gw.gql<{ can: Answer }>(CAN, { u: user, o: 'acme', p: permission });
  if (!res.data?.can) throw new Error(`no decision: ${res.status} ${JSON.stringify(res.errors)}`);
  return res.data.can;
}

/** Asks both an allowed and a denied question; the answers must be the database's. */
async function askBoth(gw: TestGateway, user: string, timings: Timings): Promise<string> {
  const allowed = await timings.time(() => ask(gw, user, 'document:edit'));
  const denied = await timings.time(() => ask(gw, user, 'billing:refund'));
  expect(allowed.allowed).toBe(true);
  expect(denied.allowed).toBe(false);
  return allowed.cacheStatus;
}

describe('with a private redis-server', () => {
  let redis: PrivateRedis;
  let gw: TestGateway;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    gw = await startTestGateway({ REDIS_URL: redis.url, ...ENV });
    await seed(gw.gateway.database.prisma, POLICY);
  });
  afterAll(async () => {
    await gw?.close();
    await redis?.stop();
  });

  /** Polls with real requests until one is served from L2 again; returns the attempts. */
  const untilCached = (user: string) => waitFor(`an L2 hit for ${user}`, async () => (await ask(gw, user)).cacheStatus === 'L2_HIT', { timeoutMs: 15_000 });

  test('silent Redis (SIGSTOP): one deadline, then DEGRADED at no cost; the cache is back after SIGCONT', async () => {
    expect((await ask(gw, 'u1')).cacheStatus).toBe('MISS');
    expect((await ask(gw, 'u1')).cacheStatus).toBe('L2_HIT');
    // The same questions with Redis healthy, as the baseline for the figures below.
    const baseline = new Timings('baseline, Redis healthy, 40 sequential checks (L2 hits)');
    for (let i = 0; i < 20; i++) expect(await askBoth(gw, 'u1', baseline)).toBe('L2_HIT');
    baseline.report();
    redis.freeze();
    const timings = new Timings('Redis silent (SIGSTOP), 40 sequential checks');
    const statuses: string[] = [];
    try {
      for (let i = 0; i < 20; i++) statuses.push(await askBoth(gw, 'u1', timings));
    } finally {
      redis.thaw();
    }
    timings.report();
    expect(new Set(statuses)).toEqual(new Set(['DEGRADED']));
    expect(timings.max).toBeLessThan(1_000);
    const recovery = new Timings('Redis silent -> thawed: until the first L2 hit');
    await recovery.time(() => untilCached('u1'));
    recovery.report();
  });

  test('slow Redis (CLIENT PAUSE 300 ms): answers keep coming from PostgreSQL, the cache returns', async () => {
    await ask(gw, 'u2');
    await redis.command(['CLIENT', 'PAUSE', '300', 'ALL']);
    const timings = new Timings('Redis paused 300 ms, 20 sequential checks');
    for (let i = 0; i < 10; i++) await askBoth(gw, 'u2', timings);
    timings.report();
    expect(timings.max).toBeLessThan(1_000);
    await untilCached('u2');
  });

  test('silent Redis under a coalesced read: every request of the batch is DEGRADED with the database answer', async () => {
    const users = ['u4', 'u5', 'u6'];
    const questions = users.flatMap((u) => [{ u, p: 'document:edit', allowed: true }, { u, p: 'billing:refund', allowed: false }]);
    const connections = await Promise.all(questions.map(() => RawHttpConnection.open(gw.url)));
    const send = () =>
      // One synchronous block: the gateway (this process) reads them in one poll phase,
      // so their L2 reads go out as one MGET (see test/integration/batching.test.ts).
      Promise.all(connections.map((c, i) => c.post('/graphql', [JSON.stringify({ query: CAN, variables: { u: questions[i]!.u, o: 'acme', p: questions[i]!.p } })])));
    const answers = async () =>
      (await send()).flat().map((r) => (JSON.parse(r.body) as { data: { can: Answer } }).data.can);
    try {
      for (const u of users) await untilCached(u);
      expect(await answers()).toEqual(questions.map((q) => ({ allowed: q.allowed, cacheStatus: 'L2_HIT' })));
      redis.freeze();
      try {
        expect(await answers()).toEqual(questions.map((q) => ({ allowed: q.allowed, cacheStatus: 'DEGRADED' })));
      } finally {
        redis.thaw();
      }
      for (const u of users) await untilCached(u);
    } finally {
      for (const c of connections) c.close();
    }
  });

  test('Redis killed and restarted mid-traffic: no errors, no wrong answers, cache back without a restart', async () => {
    await ask(gw, 'u3');
    let running = true;
    const timings = new Timings('Redis killed mid-traffic (4 concurrent clients)');
    const statuses = new Map<string, number>();
    const worker = async () => {
      while (running) {
        const status = await askBoth(gw, 'u3', timings);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    const workers = [worker(), worker(), worker(), worker()];
    // Let traffic flow, then kill: counted in requests, not time.
    await waitFor('20 answers before the kill', () => [...statuses.values()].reduce((a, b) => a + b, 0) >= 20);
    await redis.kill();
    const during = [...statuses.values()].reduce((a, b) => a + b, 0);
    await waitFor('40 answers while Redis is down', () => [...statuses.values()].reduce((a, b) => a + b, 0) >= during + 40);
    const restartedAt = performance.now();
    await redis.restart();
    await untilCached('u3');
    const recoveredMs = performance.now() - restartedAt;
    running = false;
    await Promise.all(workers);
    timings.report();
    console.log(`[fault cost] Redis restarted -> first L2 hit after ${recoveredMs.toFixed(0)} ms; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(statuses.get('DEGRADED')).toBeGreaterThan(0);
    expect(timings.max).toBeLessThan(1_000);
    expect(recoveredMs).toBeLessThan(5_000);
  });

  test('corrupt or foreign L2 values are misses, never answers', async () => {
    const key = `${gw.keyPrefix}auth:perms:u4:acme`;
    await ask(gw, 'u4');
    await redis.command(['SET', key, '{not json']);
    expect(await ask(gw, 'u4')).toEqual({ allowed: true, cacheStatus: 'MISS' });
    // A foreign value that claims everything: wrong shape, so ignored.
    await redis.command(['SET', `${gw.keyPrefix}auth:perms:u5:acme`, JSON.stringify({ value: { member: true, rolePatterns: ['*:*'] } })]);
    expect(await ask(gw, 'u5', 'billing:refund')).toEqual({ allowed: false, cacheStatus: 'MISS' });
    // A non-member with a forged, old-fenced entry: the fence does not match, so ignored.
    await redis.command(['SET', `${gw.keyPrefix}auth:perms:mallory:acme`, JSON.stringify({ value: { v: 1, fence: 'x/y', member: true, roles: [], rolePatterns: ['*:*'], grants: [] } })]);
    expect(await ask(gw, 'mallory', 'billing:refund')).toEqual({ allowed: false, cacheStatus: 'MISS' });
  });
});

test('Redis refused at boot: the gateway starts, answers DEGRADED, and uses Redis once it comes up', async () => {
  const port = await freePort();
  const gw = await startTestGateway({ REDIS_URL: `redis://127.0.0.1:${port}`, ...ENV });
  let redis: PrivateRedis | null = null;
  try {
    await seed(gw.gateway.database.prisma, POLICY);
    const timings = new Timings('Redis refused at boot, 20 sequential checks');
    const statuses = new Set<string>();
    for (let i = 0; i < 10; i++) statuses.add(await askBoth(gw, 'u6', timings));
    timings.report();
    expect(statuses).toEqual(new Set(['DEGRADED']));
    expect(timings.max).toBeLessThan(1_000);
    const startedAt = performance.now();
    redis = await PrivateRedis.start(port);
    await waitFor('an L2 hit once Redis started', async () => (await ask(gw, 'u6')).cacheStatus === 'L2_HIT', { timeoutMs: 15_000 });
    console.log(`[fault cost] Redis started after boot -> first L2 hit after ${(performance.now() - startedAt).toFixed(0)} ms`);
  } finally {
    await gw.close();
    await redis?.stop();
  }
});
