import KeyvRedis, { createClient } from '@keyv/redis';
import Keyv from 'keyv';
import type { RedisConfig } from '../config/config';
import type { Logger } from '../observability/logger';
import { MAX_STORED_CHARS, OversizeValue } from './l2-entry';
import { type SetIfAbsent, versionSetIfAbsent } from './set-if-absent';
import { redisVersionWrites } from './version-script';
import { memoryVersionWrites, type VersionWrites } from './version-writes';
import { openClusterL2Store } from './l2-cluster';

/** The L2 key-value store and how to close it. */
export interface L2Store {
  readonly kind: 'redis' | 'memory';
  readonly kv: Keyv;
  /** Every write of a version key: atomic per key, and never over a pending change (version-writes.ts). */
  readonly versionWrites: VersionWrites;
  /** Creates version keys without overwriting any (see set-if-absent.ts). */
  readonly setIfAbsent: SetIfAbsent;
  /** One PING round trip; rejects when Redis is unreachable. Memory always answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Keyv on Redis, or on an in-process Map when no Redis is configured (one instance
 * only: nothing is shared, and invalidations by other processes are not seen).
 *
 * Redis is set up so it can never hang a request (docs/operations.md, Faults):
 * no offline queue (a command while disconnected fails at once, and a write cut off by
 * an outage can never be replayed after a later invalidation), quick capped reconnects,
 * and an error listener. Every call is bounded by our own deadline (withDeadline: the L2
 * read and write, invalidation, the breaker's probe, readiness pings), so the client
 * sets no per-command timeout of its own. Keys are stored exactly as built by
 * keys.ts: no Keyv namespace, no adapter prefix. Values are plain JSON.
 */
export async function openL2Store(config: RedisConfig, options: { timeoutMs: number; logger: Logger }): Promise<L2Store> {
  const keyvOptions = { useKeyPrefix: false, serialize: JSON.stringify, deserialize: parseStored, throwOnErrors: true };
  if (config.kind === 'memory') {
    const kv = new Keyv(keyvOptions);
    const versionWrites = memoryVersionWrites(kv);
    return { kind: 'memory', kv, versionWrites, setIfAbsent: versionSetIfAbsent(versionWrites), ping: async () => undefined, close: async () => kv.disconnect() };
  }
  if (config.kind === 'cluster') return openClusterL2Store(config.nodes, { ...options, keyvOptions });

  const client = createClient({
    url: config.url,
    disableOfflineQueue: true,
    // No `commandOptions.timeout`: the client made an AbortSignal.timeout (and a
    // DOMException on it) per command, a visible share of the CPU of an L2 read,
    // and it only covered commands not yet written to the socket. withDeadline bounds
    // every caller instead (l2-cache.ts, breaker-kv.ts, invalidation.ts, the probes).
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

  const store = new KeyvRedis(client, { throwOnConnectError: false, throwOnErrors: true });
  const kv = new Keyv(store, keyvOptions);
  // Keyv gives its store the namespace `keyv` (stored as `keyv::<key>`); keys.ts builds
  // the whole key, so neither may add anything.
  kv.namespace = undefined;
  kv.on('error', () => undefined); // failures are thrown to the caller, which logs them
  const versionWrites = redisVersionWrites(client as never);
  return {
    kind: 'redis',
    kv,
    versionWrites,
    setIfAbsent: versionSetIfAbsent(versionWrites),
    ping: async () => void (await client.ping()),
    close: async () => {
      if (client.isReady) await client.close().catch(() => client.destroy());
      else if (client.isOpen) client.destroy();
    },
  };
}

/**
 * Keyv's stored form is `{"value": ..., "expires": ...}` in JSON. Text that is not JSON
 * (a corrupt write, another program's key) must cost one miss for that key, not fail
 * the whole batch, so it becomes a value the L2 layer rejects (and logs). Text longer
 * than any value we write is not parsed at all (the Redis client has already received
 * it; the L2 layer replaces or overwrites it, so it is not read again and again).
 */
function parseStored<Value>(text: string): { value?: Value; expires?: number } | undefined {
  if (text.length > MAX_STORED_CHARS) return { value: new OversizeValue(text.length) as Value };
  try {
    return JSON.parse(text) as { value?: Value; expires?: number };
  } catch {
    return { value: { corrupt: true } as Value };
  }
}

function once(emitter: { once(event: string, listener: () => void): unknown }, event: string): Promise<void> {
  return new Promise((resolve) => emitter.once(event, () => resolve()));
}
