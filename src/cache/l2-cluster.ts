import { createCluster } from '@keyv/redis';
import Keyv, { type KeyvOptions } from 'keyv';
import { versionSetIfAbsent } from './set-if-absent';
import { redisVersionWrites } from './version-script';
import type { Logger } from '../observability/logger';
import { withDeadline } from './deadline';
import { ClusterBatchingKeyvRedis } from './cluster-batching-store';
import type { L2Store } from './l2-store';

/**
 * L2 on a Redis Cluster (REDIS_CLUSTER_NODES), with the same failure rules as the
 * single-node client in l2-store.ts: every node client has no offline queue (a command
 * to a node that is down fails at once and is never replayed after a later
 * invalidation) and reconnects quickly on its own; the L2 layer bounds every call with
 * its own deadline, so a dead or paused node costs a miss (DEGRADED), never a hang.
 *
 * Keys are stored exactly as built by keys.ts, as on a single node: no hash tags, so
 * the old layout stays readable and keys spread over all nodes.
 */
export async function openClusterL2Store(
  nodes: ReadonlyArray<{ host: string; port: number }>,
  options: { timeoutMs: number; logger: Logger; keyvOptions: KeyvOptions },
): Promise<L2Store> {
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
  // client itself, so retry it here until it succeeds or the store is closed.
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

  const store = new ClusterBatchingKeyvRedis(cluster as never, { throwOnConnectError: false, throwOnErrors: true });
  const kv = new Keyv(store, options.keyvOptions);
  kv.namespace = undefined; // keys.ts builds the whole key (see l2-store.ts)
  kv.on('error', () => undefined); // failures are thrown to the caller, which logs them
  // The cluster client routes each script call to the node that holds its one key.
  const versionWrites = redisVersionWrites(cluster as never);
  return {
    kind: 'redis',
    kv,
    versionWrites,
    setIfAbsent: versionSetIfAbsent(versionWrites),
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
  };
}
