import calculateSlot from 'cluster-key-slot';
import { Client } from 'pg';
import { createCacheKeys } from '../../src/cache/keys';
import { type GatewayProcess, spawnGateway } from '../helpers/gateway-process';
import { pollUntil } from '../helpers/measure';
import { type ClusterNode, TestRedisCluster } from '../helpers/redis-cluster';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';
import { postGraphQL } from '../helpers/test-gateway';

/**
 * Revocation safety on a Redis Cluster with one node unreachable, with two gateway
 * processes: a revoke whose fence lives on the dead node fails (L2_UNAVAILABLE) and
 * leaves PostgreSQL unchanged; one whose keys live on the other nodes succeeds, and
 * then no instance allows.
 */
const PREFIX = 'rc:';
const CAN = `query Can($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { allowed cacheStatus } }`;
const keys = createCacheKeys(PREFIX);

type Answer = { allowed: boolean; cacheStatus: string };

let database: TestDatabase;
let cluster: TestRedisCluster;
let a: GatewayProcess;
let b: GatewayProcess;
let dead: ClusterNode;
let onDead: string;
let onLive: string;

beforeAll(async () => {
  database = await createTestDatabase();
  cluster = await TestRedisCluster.start();
  const node = (key: string) => cluster.nodeForSlot(calculateSlot(key));
  // The node to kill: not the one holding the organization's version.
  dead = cluster.nodes.find((n) => n !== node(keys.orgVersion('acme')))!;
  const candidates = Array.from({ length: 200 }, (_, i) => `user-${i}`);
  const subject = (userId: string) => ({ userId, orgId: 'acme' });
  onDead = candidates.find((u) => node(keys.pairVersion(subject(u))) === dead)!;
  onLive = candidates.find((u) => node(keys.pairVersion(subject(u))) !== dead && node(keys.permissions(subject(u))) !== dead)!;
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: '',
    REDIS_CLUSTER_NODES: cluster.seeds,
    AUTHZ_REDIS_KEY_PREFIX: PREFIX,
    AUTHZ_DEMO_DATA: 'false',
    AUTH_MODE: 'none',
    AUTHZ_CACHE_TTL: '4',
    AUTHZ_L2_TIMEOUT_MS: '200',
    AUTHZ_L2_BREAKER_MS: '100',
  };
  [a, b] = await Promise.all([spawnGateway(env), spawnGateway(env)]);
  const setup = [`createOrganization(id: "acme", name: "Acme") { consistencyToken }`];
  for (const [i, u] of [onDead, onLive].entries()) {
    setup.push(`m${i}: addMember(userId: "${u}", orgId: "acme") { consistencyToken }`);
    setup.push(`g${i}: grantPermission(userId: "${u}", orgId: "acme", permission: "doc:read") { consistencyToken }`);
  }
  const res = await postGraphQL(a.url, `mutation { ${setup.join('\n')} }`);
  expect(res.errors).toBeUndefined();
}, 90_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await cluster?.stop();
  await database?.drop();
});

async function can(gw: GatewayProcess, userId: string): Promise<Answer> {
  const res = await postGraphQL<{ can: Answer }>(gw.url, CAN, { u: userId, o: 'acme', p: 'doc:read' });
  expect(res.errors).toBeUndefined();
  return res.data!.can;
}

function revoke(gw: GatewayProcess, userId: string) {
  return postGraphQL(gw.url, `mutation { revokePermission(userId: "${userId}", orgId: "acme", permission: "doc:read") { consistencyToken } }`);
}

async function grants(userId: string): Promise<number> {
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT count(*)::int AS n FROM grants WHERE user_id = $1', [userId]);
    return rows[0].n as number;
  } finally {
    await client.end();
  }
}

test('one node unreachable: a revoke fenced on it fails and changes nothing; one fenced elsewhere holds on both instances', async () => {
  for (const gw of [a, b]) await pollUntil(async () => (await can(gw, onLive)).cacheStatus === 'L2_HIT', 200, 20);
  for (const gw of [a, b]) expect((await can(gw, onDead)).allowed).toBe(true);

  await cluster.kill(dead);
  const failed = await revoke(a, onDead);
  expect(failed.status).toBe(503);
  expect(failed.errors?.map((e) => e.extensions?.code)).toEqual(['L2_UNAVAILABLE']);
  expect(await grants(onDead)).toBe(1);

  const ok = await revoke(b, onLive);
  expect(ok.errors).toBeUndefined();
  expect(await grants(onLive)).toBe(0);
  const allowed: Answer[] = [];
  for (let i = 0; i < 10; i++) {
    for (const gw of [a, b]) {
      const answer = await can(gw, onLive);
      if (answer.allowed) allowed.push(answer);
    }
  }
  expect(allowed).toEqual([]);
});
