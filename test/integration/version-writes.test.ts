import { createClient, createCluster } from '@keyv/redis';
import pino from 'pino';
import type { RedisConfig } from '../../src/config/config';
import { openL2Backend } from '../../src/l2-client/open';
import { TestRedisCluster } from '../helpers/redis-cluster';
import { runId, TEST_REDIS_URL } from '../helpers/services';
import { type Backend, type RawAccess, versionWritesContract } from '../helpers/version-writes-suite';

/**
 * The version-write rules as Redis runs them (one Lua script per key), against the
 * same contract as the memory L2 (test/unit/l2-client/version-writes.test.ts).
 */
const logger = pino({ level: 'silent' });

interface RawClient {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options: { PX: number }): Promise<unknown>;
  pTTL(key: string): Promise<number>;
}

function rawAccess(client: RawClient, time: () => Promise<string[]>): RawAccess {
  return {
    get: async (key) => (await client.get(key)) ?? undefined,
    put: async (key, text, ttlMs) => void (await client.set(key, text, { PX: ttlMs })),
    pttl: (key) => client.pTTL(key),
    now: async () => {
      const [seconds, micros] = await time();
      return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    },
  };
}

async function openBackend(config: RedisConfig, raw: RawAccess, prefix: string): Promise<Backend> {
  return { client: (await openL2Backend(config, { logger })).client, raw, prefix };
}

describe('version writes on Redis', () => {
  const client = createClient({ url: TEST_REDIS_URL });
  beforeAll(async () => void (await client.connect()));
  afterAll(async () => client.close());
  versionWritesContract(
    (name) => openBackend({ kind: 'redis', url: TEST_REDIS_URL }, rawAccess(client as never, () => client.time()), `test:${runId()}:vw:${name}:`),
    (backend) => backend.client.close(),
  );

});

describe('version writes on Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let raw: ReturnType<typeof createCluster>;
  beforeAll(async () => {
    cluster = await TestRedisCluster.start();
    raw = createCluster({ rootNodes: cluster.nodes.map((n) => ({ socket: { host: '127.0.0.1', port: n.port } })) });
    await raw.connect();
  }, 60_000);
  afterAll(async () => {
    await raw?.close();
    await cluster?.stop();
  });
  versionWritesContract(
    (name) =>
      openBackend(
        { kind: 'cluster', nodes: cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })) },
        rawAccess(raw as never, async () => {
          const client = await raw.nodeClient(raw.masters[0]!);
          return (await client.sendCommand(['TIME'])) as string[];
        }),
        `vw:${name}:`,
      ),
    (backend) => backend.client.close(),
  );

  it('falls back to EVAL when Redis does not know the script (SCRIPT FLUSH, a restart)', async () => {
    const { client: store } = await openL2Backend({ kind: 'cluster', nodes: cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })) }, { logger });
    try {
      const key = 'vw:flush:auth:perms::org:acme';
      await store.writeVersions([{ kind: 'fence', key, changeId: '1', pendingMs: 60_000 }]);
      // On this private cluster only: the shared Redis's script cache is other tests' too.
      for (const master of raw.masters) await (await raw.nodeClient(master)).scriptFlush();
      expect(await store.writeVersions([{ kind: 'settle', key, changeId: '1', token: 'after', ttlMs: 60_000, always: true }])).toEqual(['after']);
    } finally {
      await store.close();
    }
  });
});
