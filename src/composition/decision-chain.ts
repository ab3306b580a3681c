import { MINIMIZE_LATENCY, type ReadRequirement } from '../authz/consistency';
import type { CacheStatus } from '../authz/types';
import { BreakerSource } from '../breaker/breaker-source';
import { CircuitBreaker } from '../breaker/circuit-breaker';
import type { Config } from '../config/config';
import { RequestDeadlineSource } from '../deadline/request-deadline';
import { PermissionLoader } from '../l1/permission-loader';
import { openL2Backend } from '../l2-client/open';
import type { L2Backend } from '../l2-client/types';
import { type CacheKeys, createCacheKeys } from '../l2/keys';
import { L2PermissionCache } from '../l2/l2-cache';
import { L2Values } from '../l2/l2-entry';
import { createL2Signer, processSigningKey } from '../l2/l2-signing';
import { l2RejectionReporter } from '../l2/rejection-reporter';
import type { Logger } from '../observability/logger';
import type { GatewayMetrics } from '../observability/metrics';
import { tracedL2Reads, tracedStore } from '../observability/tracing/traced-layers';
import type { Tracing } from '../observability/tracing/tracing';
import type { ChangeFeed } from '../revocation/change-feed';
import type { L2ChangeGate } from '../revocation/change-gate';
import { SingleFlight } from '../single-flight/single-flight';
import type { PermissionSetSource } from '../source/types';
import type { Database } from '../store/database';
import { meteredStore } from '../store/metered-store';
import { PostgresPermissionStore } from '../store/permission-store';
import { cacheClient } from './l2-clients';
import type { Lifecycle } from './lifecycle';
import { buildChangeGate, buildInvalidation, type Invalidation, startChangeFeed } from './revocation';

/** The decision chain as built from the configuration, and what the rest of the gateway needs of it. */
export interface DecisionChain {
  readonly keys: CacheKeys;
  /** Below the per-request deadline: breaker -> L2 -> single flight -> store. */
  readonly source: PermissionSetSource;
  /** The L2 backend (readiness pings it); null when L2 is disabled. */
  readonly l2: L2Backend | null;
  /** How this instance learns of committed changes (null without L2). */
  readonly feed: ChangeFeed | null;
  /** What every policy change goes through (null without L2). */
  readonly gate: L2ChangeGate | null;
  /** One request's deadline over `source`, fixed when the request starts. */
  newDeadline(): PermissionSetSource;
  /** L1 for one request and read requirement, under that request's deadline. */
  newLoader(requirement?: ReadRequirement, deadline?: PermissionSetSource): PermissionLoader;
}

export interface ChainDeps {
  database: Database;
  metrics: GatewayMetrics;
  logger: Logger;
  tracing: Tracing | null;
  lifecycle: Lifecycle;
}

/**
 * The one place the decision chain is built:
 *
 *   decisions -> L1 -> deadline -> breaker -> L2 -> single flight -> store
 *
 * each layer a decorator of PermissionSetSource (src/source/types.ts) wrapping the next
 * one, and beneath L2 the L2 client's own decorators (l2-clients.ts). Without L2
 * (AUTHZ_L2_CACHE_ENABLED=false) it is L1 -> deadline -> single flight -> store, every
 * answer reported DISABLED; the breaker exists on Redis only (memory never fails).
 * Parts are started in dependency order and registered with `lifecycle` to stop.
 */
export async function buildDecisionChain(config: Config, deps: ChainDeps): Promise<DecisionChain> {
  const { database, metrics, logger, tracing, lifecycle } = deps;
  const keys = createCacheKeys(config.cache.keyPrefix);
  const metered = meteredStore(new PostgresPermissionStore(database.prisma), metrics);
  const store = tracing ? tracedStore(metered, tracing) : metered;
  const singleFlight = new SingleFlight(store, keys, { retainMs: 1_000 });

  let source: PermissionSetSource = withStatus(singleFlight, 'DISABLED');
  let l2: L2Backend | null = null;
  let feed: ChangeFeed | null = null;
  let invalidation: Invalidation | null = null;
  if (config.cache.l2Enabled) {
    const backend = await openL2Backend(config.redis, { logger });
    l2 = backend;
    lifecycle.add('l2', () => backend.client.close());
    if (backend.kind === 'memory') logger.warn('REDIS_URL/REDIS_HOST not set: L2 is in this process only (not shared between instances)');
    // Redis failures seen by this instance (connection errors, and every breaker probe,
    // which runs only after a failed call): the change feed's fail-closed rule uses it.
    let redisFailures = 0;
    backend.onError(() => redisFailures++);
    // Redis only: a breaker that skips L2 while Redis fails. Its probe runs only after a
    // failure, so `feed` (built below) exists by then. Closing it means serving cached
    // sets again: only once Redis answers and has taken again every change of the floor
    // window (it may have restarted from an AOF that lost the last acknowledged writes;
    // the floors hold anyway).
    const breaker =
      backend.kind === 'redis'
        ? new CircuitBreaker({
            windowMs: config.cache.breakerMs,
            timeoutMs: config.cache.l2TimeoutMs,
            logger,
            probe: async () => {
              redisFailures++;
              await backend.client.ping();
              await feed!.reinvalidateRecent();
            },
          })
        : null;
    if (breaker) lifecycle.add('l2 breaker', async () => breaker.stop());
    invalidation = buildInvalidation(backend, keys, config, { logger, metrics });
    const changeFeed = await startChangeFeed(config, { database, backend, invalidation, keys, redisFailures: () => redisFailures, logger, lifecycle });
    feed = changeFeed;
    // Without AUTHZ_L2_SIGNING_KEY (refused in production on Redis) the key is this
    // process's own: values other instances wrote never verify here, and are misses.
    if (!config.l2Signing.key && backend.kind === 'redis') {
      logger.warn({ event: 'authz_l2_signing_key_generated' }, 'AUTHZ_L2_SIGNING_KEY not set: L2 values are signed with a key of this process only, so instances sharing this Redis do not share L2 hits');
    }
    const values = new L2Values(createL2Signer({ current: config.l2Signing.key ?? processSigningKey(), previous: config.l2Signing.previousKey }));
    const client = cacheClient(backend, { timeoutMs: config.cache.l2TimeoutMs, metrics, breaker });
    const reads = tracing ? tracedL2Reads(client, tracing, backend.kind !== 'memory') : client;
    const l2Cache = new L2PermissionCache(reads, singleFlight, {
      keys,
      ttlSeconds: config.cache.ttlSeconds,
      logger,
      floor: changeFeed,
      values,
      onRejected: l2RejectionReporter(metrics.l2Rejected, logger),
    });
    source = breaker ? new BreakerSource(l2Cache, singleFlight, breaker) : l2Cache;
  }
  const chainSource = source;
  const newDeadline = () => new RequestDeadlineSource(chainSource, config.requestTimeoutMs);
  return {
    keys,
    source: chainSource,
    l2,
    feed,
    gate: buildChangeGate(invalidation, feed, logger),
    newDeadline,
    newLoader: (requirement = MINIMIZE_LATENCY, deadline = newDeadline()) => new PermissionLoader(deadline, keys, { cache: config.cache.enabled, requirement }),
  };
}

/** The chain without L2: every answer loaded from the store says so. */
function withStatus(next: PermissionSetSource, status: CacheStatus): PermissionSetSource {
  return {
    load: async (requests) => (await next.load(requests)).map((r) => (r instanceof Error ? r : { ...r, status })),
  };
}
