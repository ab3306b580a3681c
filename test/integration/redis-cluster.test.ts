import calculateSlot from 'cluster-key-slot';
import { Registry } from 'prom-client';
import { cacheClient } from '../../src/composition/l2-clients';
import { openRedisClusterL2, type ClusterL2Backend } from '../../src/l2-client/keyv-redis-cluster';
import { createCacheKeys } from '../../src/l2/keys';
import { readVersion } from '../../src/l2/l2-entry';
import { createLogger } from '../../src/observability/logger';
import { createMetrics } from '../../src/observability/metrics';
import { seed } from '../helpers/policy';
import { RawHttpConnection } from '../helpers/raw-http';
import { TestRedisCluster } from '../helpers/redis-cluster';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

/**
 * L2 on a real three-node Redis Cluster (REDIS_CLUSTER_NODES): hits, batching (one
 * pipeline per node, not one command per slot), invalidation, and a node failure that
 * degrades to PostgreSQL with correct answers and no errors. The node failure runs last.
 * Round trips are counted on a client built by the same composition code as the
 * gateway's (src/composition/l2-clients.ts), on the same cluster, with its node clients
 * spied on.
 */
const CAN = `query Can($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { allowed cacheStatus } }`;
const CHECKS = `query C($r: [CheckInput!]!) { checks(requests: $r) { allowed cacheStatus } }`;
const USERS = Array.from({ length: 40 }, (_, i) => `user-${i}`);
const POLICY = {
  organizations: [{ id: 'acme', name: 'Acme' }],
  roles: [
    { orgId: 'acme', name: 'editor', permissions: ['document:*'] },
    { orgId: 'acme', name: 'viewer', permissions: ['*:read'] },
  ],
  memberships: USERS.map((userId, i) => ({ userId, orgId: 'acme', roles: [i % 2 ? 'viewer' : 'editor'] })),
};

let cluster: TestRedisCluster;
let gw: TestGateway;
let backend: ClusterL2Backend;

beforeAll(async () => {
  cluster = await TestRedisCluster.start();
  gw = await startTestGateway({ REDIS_URL: '', REDIS_CLUSTER_NODES: cluster.seeds });
  await seed(gw.gateway.database.prisma, POLICY);
  backend = await openRedisClusterL2(cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })), { logger: createLogger('silent') });
}, 60_000);

afterAll(async () => {
  await backend?.client.close();
  await gw?.close();
  await cluster?.stop();
});

/** The L2 cache's client as the gateway composes it on a cluster (coalescing on top). */
function composedClient() {
  return cacheClient(backend, { timeoutMs: 1_000, metrics: createMetrics(new Registry()), breaker: null });
}

/** Counts the pipelines (one per round trip to a node) sent while `work` runs. */
async function pipelinesDuring(work: () => Promise<unknown>): Promise<number> {
  const spies = await Promise.all(backend.cluster.masters.map(async (m) => jest.spyOn(await backend.cluster.nodeClient(m), 'multi')));
  try {
    await work();
    return spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

async function can(userId: string, permission: string) {
  const res = await gw.gql<{ can: { allowed: boolean; cacheStatus: string } }>(CAN, { u: userId, o: 'acme', p: permission });
  expect(res.errors).toBeUndefined();
  return res.data!.can;
}

test('the gateway reads and writes L2 on the cluster: MISS, then L2_HIT', async () => {
  const ready = (await (await fetch(`${gw.url}/ready`)).json()) as { components: { redis: { status: string } }; cache: { l2: string } };
  expect(ready).toMatchObject({ components: { redis: { status: 'up' } }, cache: { l2: 'redis' } });
  expect(await can('user-0', 'document:edit')).toEqual({ allowed: true, cacheStatus: 'MISS' });
  expect(await can('user-0', 'document:edit')).toEqual({ allowed: true, cacheStatus: 'L2_HIT' });
  expect(await can('user-1', 'document:edit')).toEqual({ allowed: false, cacheStatus: 'MISS' });
  expect(await can('user-1', 'document:read')).toEqual({ allowed: true, cacheStatus: 'L2_HIT' });
});

test('a batch reads with one pipeline per node that holds keys, however many slots', async () => {
  const requests = USERS.map((userId) => ({ userId, orgId: 'acme', permission: 'report:read' }));
  expect((await gw.gql(CHECKS, { r: requests })).errors).toBeUndefined(); // warm every pair

  // 2 x 40 + 1 keys spread over many slots: count the pipelines each node client sends.
  const keys = createCacheKeys(gw.keyPrefix);
  const readKeys = [...USERS.map((u) => keys.permissions({ userId: u, orgId: 'acme' })), keys.orgVersion('acme')];
  const slots = new Set(readKeys.map((k) => calculateSlot(k)));
  const nodesHoldingKeys = new Set([...slots].map((s) => cluster.nodeForSlot(s).port));
  expect(slots.size).toBeGreaterThan(nodesHoldingKeys.size);

  const res = await gw.gql<{ checks: Array<{ allowed: boolean; cacheStatus: string }> }>(CHECKS, { r: requests });
  expect(res.errors).toBeUndefined();
  expect(res.data!.checks.map((d) => d.allowed)).toEqual(USERS.map((_, i) => i % 2 === 1));
  expect(res.data!.checks.every((d) => d.cacheStatus === 'L2_HIT')).toBe(true);

  // The same read through the composed client: one round trip per node, all keys in it.
  const client = composedClient();
  let values: unknown[] = [];
  expect(await pipelinesDuring(async () => (values = await client.getMany(readKeys)))).toBe(nodesHoldingKeys.size);
  expect(values.every((v) => v !== undefined)).toBe(true); // the gateway's writes, read back
});

test('concurrent requests on separate connections: their reads are coalesced first, then split per node', async () => {
  const users = USERS.slice(0, 10);
  const body = (u: string) => JSON.stringify({ query: CAN, variables: { u, o: 'acme', p: 'report:read' } });
  const connections = await Promise.all(users.map(() => RawHttpConnection.open(gw.url)));
  try {
    // Warm every pair, and have the gateway accept and answer on every connection.
    await Promise.all(connections.map((c, i) => c.post('/graphql', [body(users[i]!)])));
    const keys = createCacheKeys(gw.keyPrefix);
    const nodesOf = (readKeys: string[]) => new Set(readKeys.map((k) => cluster.nodeForSlot(calculateSlot(k)).port));
    const readKeysOf = (userId: string) => [keys.permissions({ userId, orgId: 'acme' }), keys.pairVersion({ userId, orgId: 'acme' }), keys.orgVersion('acme')];
    // The first request read goes at once, the other nine meet at the flush (coalesced-reads.ts).
    const coalescedRoundTrips = nodesOf(readKeysOf(users[0]!)).size + nodesOf(users.slice(1).flatMap(readKeysOf)).size;
    const separateRoundTrips = users.reduce((sum, u) => sum + nodesOf(readKeysOf(u)).size, 0);
    expect(separateRoundTrips).toBeGreaterThan(coalescedRoundTrips);

    // Written in one synchronous block: the gateway (this process) reads them in one
    // poll phase, so their L2 reads meet in one flush (see test/integration/batching.test.ts).
    const responses = (await Promise.all(connections.map((c, i) => c.post('/graphql', [body(users[i]!)])))).flat();
    const answers = responses.map((r) => (JSON.parse(r.body) as { data: { can: { allowed: boolean; cacheStatus: string } } }).data.can);
    expect(answers).toEqual(users.map((_, i) => ({ allowed: i % 2 === 1, cacheStatus: 'L2_HIT' }))); // viewers only

    // The ten reads in one turn through the composed client: coalesced, then split per node.
    const client = composedClient();
    const pipelines = await pipelinesDuring(() => Promise.all(users.map((u) => client.getMany(readKeysOf(u)))));
    expect(pipelines).toBe(coalescedRoundTrips); // not one per request and node
  } finally {
    for (const c of connections) c.close();
  }
});

test('invalidation on the cluster: a change writes new versions to the cluster and is seen at once', async () => {
  const keys = createCacheKeys(gw.keyPrefix);
  const versions = async () => (await backend.client.getMany([keys.orgVersion('acme'), keys.pairVersion({ userId: 'user-3', orgId: 'acme' })])).map(readVersion);
  expect(await can('user-2', 'billing:refund')).toEqual({ allowed: false, cacheStatus: expect.stringMatching(/MISS|L2_HIT/) });
  expect(await can('user-2', 'billing:refund')).toEqual({ allowed: false, cacheStatus: 'L2_HIT' });
  const [orgBefore] = await versions();
  expect(typeof orgBefore).toBe('string');
  const role = await gw.gql(`mutation { setRolePermissions(orgId: "acme", role: "editor", permissions: ["document:*", "billing:*"]) { consistencyToken } }`);
  expect(role.errors).toBeUndefined();
  const [orgAfter] = await versions();
  expect(typeof orgAfter).toBe('string');
  expect(orgAfter).not.toBe(orgBefore);
  expect(await can('user-2', 'billing:refund')).toEqual({ allowed: true, cacheStatus: 'MISS' });
  expect(await can('user-2', 'billing:refund')).toEqual({ allowed: true, cacheStatus: 'L2_HIT' });

  // A single member's change, through the pair version.
  const [, pairBefore] = await versions();
  const member = await gw.gql(`mutation { assignRole(userId: "user-3", orgId: "acme", role: "editor") { consistencyToken } }`);
  expect(member.errors).toBeUndefined();
  const [, pairAfter] = await versions();
  expect(typeof pairAfter).toBe('string');
  expect(pairAfter).not.toBe(pairBefore);
  expect(await can('user-3', 'document:edit')).toEqual({ allowed: true, cacheStatus: 'MISS' });
});

test('a node failure degrades to PostgreSQL: correct answers, DEGRADED, no errors', async () => {
  const keys = createCacheKeys(gw.keyPrefix);
  const victim = cluster.nodeForSlot(calculateSlot(keys.permissions({ userId: 'user-4', orgId: 'acme' })));
  expect((await can('user-4', 'document:edit')).allowed).toBe(true); // cached before the failure
  await cluster.kill(victim);

  // Any request touching the dead node's keys: answered from PostgreSQL, said so.
  for (let i = 0; i < 3; i++) {
    expect(await can('user-4', 'document:edit')).toEqual({ allowed: true, cacheStatus: 'DEGRADED' });
    expect(await can('user-4', 'billing:refund')).toEqual({ allowed: true, cacheStatus: 'DEGRADED' });
    expect(await can('user-5', 'document:edit')).toEqual({ allowed: false, cacheStatus: expect.stringMatching(/DEGRADED|L2_HIT|MISS/) });
  }
  const requests = USERS.map((userId, i) => ({ userId, orgId: 'acme', permission: 'document:edit', expected: i % 2 === 0 || i === 3 }));
  const res = await gw.gql<{ checks: Array<{ allowed: boolean; cacheStatus: string }> }>(CHECKS, {
    r: requests.map(({ expected: _, ...r }) => r),
  });
  expect(res.errors).toBeUndefined();
  expect(res.data!.checks.map((d) => d.allowed)).toEqual(requests.map((r) => r.expected));
  expect(res.data!.checks.every((d) => d.cacheStatus === 'DEGRADED')).toBe(true);
});
