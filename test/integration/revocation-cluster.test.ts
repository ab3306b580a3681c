import calculateSlot from 'cluster-key-slot';
import { createCacheKeys } from '../../src/l2/keys';
import { type GatewayProcess, spawnGateway } from '../helpers/gateway-process';
import { waitFor } from '../helpers/wait-for';
import { type ClusterNode, TestRedisCluster } from '../helpers/redis-cluster';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';
import { type Answer, canRead, grantCount, revokeRead, seedReaders } from '../helpers/revocation';

/**
 * Revocation safety on a Redis Cluster with one node unreachable, with two gateway
 * processes: a revoke whose fence lives on the dead node fails (L2_UNAVAILABLE) and
 * leaves PostgreSQL unchanged; one whose keys live on the other nodes succeeds, and
 * then no instance allows.
 */
const PREFIX = 'rc:';
const keys = createCacheKeys(PREFIX);

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
  await seedReaders(a, [onDead, onLive]);
}, 90_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await cluster?.stop();
  await database?.drop();
});

test('one node unreachable: a revoke fenced on it fails and changes nothing; one fenced elsewhere holds on both instances', async () => {
  for (const gw of [a, b]) await waitFor('an L2 hit on the live node', async () => (await canRead(gw, onLive)).cacheStatus === 'L2_HIT', { intervalMs: 20 });
  for (const gw of [a, b]) expect((await canRead(gw, onDead)).allowed).toBe(true);

  await cluster.kill(dead);
  const failed = await revokeRead(a, onDead);
  expect(failed.status).toBe(503);
  expect(failed.errors?.map((e) => e.extensions?.code)).toEqual(['L2_UNAVAILABLE']);
  expect(await grantCount(database.url, onDead)).toBe(1);

  const ok = await revokeRead(b, onLive);
  expect(ok.errors).toBeUndefined();
  expect(await grantCount(database.url, onLive)).toBe(0);
  const allowed: Answer[] = [];
  for (let i = 0; i < 10; i++) {
    for (const gw of [a, b]) {
      const answer = await canRead(gw, onLive);
      if (answer.allowed) allowed.push(answer);
    }
  }
  expect(allowed).toEqual([]);
});
