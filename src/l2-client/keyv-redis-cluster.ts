import { createCluster, type RedisClusterType } from '@keyv/redis';
import Keyv from 'keyv';
import { withDeadline } from '../lib/with-deadline';
import type { Logger } from '../observability/logger';
import { ClusterBatchingKeyvRedis } from './cluster-batching-adapter';
import { KEYV_OPTIONS, KeyvL2Client } from './keyv-client';
import { redisVersionWrites } from './version-script';
import type { L2Backend } from './types';

/** An L2 backend on a Redis Cluster; `cluster` is the node-redis client it owns. */
export interface ClusterL2Backend extends L2Backend {
  readonly cluster: RedisClusterType;
}

/**
 * L2 on a Redis Cluster (REDIS_CLUSTER_NODES), with the same failure rules as the
 * single-node client in keyv-redis.ts: every node client has no offline queue (a command
 * to a node that is down fails at once and is never replayed after a later
 * invalidation) and reconnects quickly on its own; the deadline decorator bounds every
 * call, so a dead or paused node costs a miss (DEGRADED), never a hang.
 *
 * Keys are stored exactly as built by src/l2/keys.ts, as on a single node: no hash tags,
 * so the old layout stays readable and keys spread over all nodes. Reads and writes go
 * one pipeline per node (cluster-batching-adapter.ts).
 */
export async function openRedisClusterL2(nodes: ReadonlyArray<{ host: string; port: number }>, options: { logger: Logger }): Promise<ClusterL2Backend> {
  const cluster = createCluster({
    rootNodes: nodes.map((n) => ({ socket: { host: n.host, port: n.port } })),
    defaults: {
      disableOfflineQueue: true,
      socket: { connectTimeout: 2_000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1_000) },
    },
  });
  let lastError = '';
  const onError = (error: Error) => {
    // A node that is down raises an error per reconnect attempt; log each distinct one once.
    if (error.message === lastError) return;
    lastError = error.message;
    options.logger.warn({ event: 'authz_l2_cache_error', operation: 'connection', err: error }, 'authz_l2_cache_error');
  };
  cluster.on('error', onError);
  cluster.on('node-error', (error: Error) => onError(error));
  // As for a single node: start serving even if the cluster is unreachable at boot
  // (requests degrade to PostgreSQL). A failed topology discovery is not retried by the
  // client itself, so retry it here until it succeeds or the client is closed.
  let closed = false;
  const connect = (delayMs: number): Promise<void> =>
    cluster.connect().then(
      () => undefined,
      (error: Error) => {
        onError(error);
        if (!closed) setTimeout(() => void connect(Math.min(delayMs * 2, 1_000)), delayMs).unref();
      },
    );
  await Promise.race([connect(50), new Promise((r) => setTimeout(r, 2_000).unref())]);

  const adapter = new ClusterBatchingKeyvRedis(cluster as never, { throwOnConnectError: false, throwOnErrors: true });
  const kv = new Keyv(adapter, KEYV_OPTIONS);
  kv.namespace = undefined; // keys.ts builds the whole key (see keyv-redis.ts)
  kv.on('error', () => undefined); // failures are thrown to the caller, which logs them
  return {
    kind: 'redis',
    cluster: cluster as unknown as RedisClusterType,
    client: new KeyvL2Client(kv, {
      // The cluster client routes each script call to the node that holds its one key.
      writeVersions: redisVersionWrites(cluster as never),
      ping: async () => {
        // Before discovery there are no masters: that is "unreachable", not "up".
        if (cluster.masters.length === 0) throw new Error('no Redis Cluster master known yet');
        await Promise.all(cluster.masters.map(async (m) => (await cluster.nodeClient(m)).ping()));
      },
      close: async () => {
        closed = true;
        // QUIT to a dead node never completes: bound the graceful close, then drop sockets.
        await withDeadline(cluster.close(), 1_000, 'L2 close').catch(() => cluster.destroy());
      },
    }),
    onError: (listener) => void kv.on('error', listener),
  };
}
