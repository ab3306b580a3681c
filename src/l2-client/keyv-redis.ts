import KeyvRedis, { createClient } from '@keyv/redis';
import Keyv from 'keyv';
import type { Logger } from '../observability/logger';
import { KEYV_OPTIONS, KeyvL2Client } from './keyv-client';
import { redisVersionWrites } from './version-script';
import type { L2Backend } from './types';

/**
 * L2 on one Redis node: Keyv on @keyv/redis, with node-redis set up so it can never hang
 * a request (docs/operations.md, Faults): no offline queue (a command while disconnected
 * fails at once, and a write cut off by an outage can never be replayed after a later
 * invalidation), quick capped reconnects, and an error listener. Calls are bounded by
 * the deadline decorator (bounded.ts) and by the breaker's and readiness probes' own
 * deadlines, so the client sets no per-command timeout of its own (node-redis made an
 * AbortSignal.timeout per command, which only covered commands not yet written to the
 * socket). Keys are stored exactly as built by src/l2/keys.ts.
 */
export async function openRedisL2(url: string, options: { logger: Logger }): Promise<L2Backend> {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1_000) },
  });
  let lastError = '';
  client.on('error', (error: Error) => {
    // Reconnects raise an error per attempt; log each distinct one once.
    if (error.message !== lastError) options.logger.warn({ event: 'authz_l2_cache_error', operation: 'connection', err: error }, 'authz_l2_cache_error');
    lastError = error.message;
  });
  client.on('ready', () => {
    if (lastError) options.logger.info({ event: 'authz_l2_reconnected' }, 'Redis connection restored');
    lastError = '';
  });
  // Start serving even if Redis is down at boot: requests degrade to PostgreSQL until
  // the client's reconnect loop succeeds.
  client.connect().catch(() => undefined);
  await Promise.race([once(client, 'ready'), new Promise((r) => setTimeout(r, 2_000).unref())]);

  const adapter = new KeyvRedis(client, { throwOnConnectError: false, throwOnErrors: true });
  const kv = new Keyv(adapter, KEYV_OPTIONS);
  // Keyv gives its adapter the namespace `keyv` (stored as `keyv::<key>`); keys.ts builds
  // the whole key, so neither may add anything.
  kv.namespace = undefined;
  kv.on('error', () => undefined); // failures are thrown to the caller, which logs them
  return {
    kind: 'redis',
    client: new KeyvL2Client(kv, {
      writeVersions: redisVersionWrites(client as never),
      ping: async () => void (await client.ping()),
      close: async () => {
        if (client.isReady) await client.close().catch(() => client.destroy());
        else if (client.isOpen) client.destroy();
      },
    }),
    onError: (listener) => void kv.on('error', listener),
  };
}

function once(emitter: { once(event: string, listener: () => void): unknown }, event: string): Promise<void> {
  return new Promise((resolve) => emitter.once(event, () => resolve()));
}
