import { createClient } from '@keyv/redis';
import { openRedisL2 } from '../../src/l2-client/keyv-redis';
import { openRedisClusterL2 } from '../../src/l2-client/keyv-redis-cluster';
import { createLogger } from '../../src/observability/logger';
import { l2ClientContract } from '../contracts/l2-client.contract';
import { TestRedisCluster } from '../helpers/redis-cluster';
import { TEST_REDIS_URL } from '../helpers/services';

/**
 * The L2Client contract on real Redis (test/contracts/l2-client.contract.ts): Keyv on
 * one node, and Keyv on a three-node Redis Cluster (one pipeline per node). Keys carry
 * a random prefix per test; they expire or are left to the run's cleanup.
 */
const logger = createLogger('silent');
const raw = createClient({ url: TEST_REDIS_URL });
let cluster: TestRedisCluster;
let clusterRaw: ReturnType<typeof import('@keyv/redis').createCluster> | null = null;

beforeAll(async () => {
  await raw.connect();
  cluster = await TestRedisCluster.start();
}, 60_000);

afterAll(async () => {
  await raw.close();
  await clusterRaw?.close();
  await cluster?.stop();
});

l2ClientContract('Keyv on Redis', {
  open: async () => (await openRedisL2(TEST_REDIS_URL, { logger })).client,
  writeRaw: async (key, text) => void (await raw.set(key, text, { PX: 60_000 })),
});

l2ClientContract('Keyv on Redis Cluster', {
  open: async () => {
    const backend = await openRedisClusterL2(cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })), { logger });
    clusterRaw = backend.cluster as never;
    return backend.client;
  },
  writeRaw: async (key, text) => void (await (clusterRaw as unknown as { set(k: string, v: string, o: object): Promise<unknown> }).set(key, text, { PX: 60_000 })),
});
