import type { Config } from '../config/config';
import type { L2Backend, UnguardedL2Client } from '../l2-client/types';
import type { CacheKeys } from '../l2/keys';
import type { Logger } from '../observability/logger';
import type { GatewayMetrics } from '../observability/metrics';
import { ChangeFeed } from '../revocation/change-feed';
import { L2ChangeGate } from '../revocation/change-gate';
import { L2Invalidator } from '../revocation/invalidation';
import { RevisionFloors } from '../revocation/revision-floor';
import { listenForChanges, pruneChanges, readChanges } from '../store/change-log';
import type { Database } from '../store/database';
import { invalidationClient } from './l2-clients';
import type { Lifecycle } from './lifecycle';

/** How changes reach L2: the invalidator and the client it writes with (no breaker). */
export interface Invalidation {
  readonly invalidator: L2Invalidator;
  readonly client: UnguardedL2Client;
}

/** The invalidator on `backend`, for the gateway and for operator scripts (`npm run import`). */
export function buildInvalidation(backend: L2Backend, keys: CacheKeys, config: Pick<Config, 'cache'>, options: { logger: Logger; metrics?: Pick<GatewayMetrics, 'l2Duration' | 'l2Errors'> }): Invalidation {
  const client = invalidationClient(backend, { timeoutMs: config.cache.l2TimeoutMs, metrics: options.metrics });
  return { client, invalidator: new L2Invalidator(client, keys, { ttlSeconds: config.cache.ttlSeconds, logger: options.logger }) };
}

/** The change gate every policy change goes through (mutations and imports alike; see change-gate.ts). */
export function buildChangeGate(invalidation: Invalidation | null, feed: ChangeFeed | null, logger: Logger): L2ChangeGate | null {
  return invalidation || feed ? new L2ChangeGate(invalidation?.invalidator ?? null, feed, logger) : null;
}

/**
 * The change feed (started, and stopped by `lifecycle`): committed changes learned from
 * PostgreSQL, the revision floors, and peers' pending versions settled. The embedded
 * database has one process: its own commits are all there is. On PostgreSQL the change
 * log is pruned hourly (a day of it is kept: cold starts read one window).
 */
export async function startChangeFeed(
  config: Pick<Config, 'cache' | 'database'>,
  deps: { database: Database; backend: L2Backend; invalidation: Invalidation; keys: CacheKeys; redisFailures: () => number; logger: Logger; lifecycle: Lifecycle },
): Promise<ChangeFeed> {
  const { database, backend, invalidation, keys, logger } = deps;
  const windowMs = 2 * config.cache.ttlSeconds * 1000;
  const dbConfig = config.database;
  const feed = new ChangeFeed(new RevisionFloors({ keepMs: windowMs }), {
    read: dbConfig.kind === 'postgres' ? (cursor, window) => readChanges(database.prisma, cursor, window) : undefined,
    listen: dbConfig.kind === 'postgres' ? (onNotify, onDown) => listenForChanges(dbConfig.url, onNotify, onDown) : undefined,
    // A peer's change is settled here if its writer left it pending (see invalidation.ts).
    l2: backend.kind === 'redis' ? { settle: (changes) => invalidation.invalidator.settle(changes), invalidate: (target) => invalidation.invalidator.invalidate(target) } : undefined,
    settleDelayMs: 500,
    redisEpoch: backend.kind === 'redis' ? deps.redisFailures : undefined,
    windowMs,
    pollMs: 250,
    maxLagMs: 1_000,
    logger,
  });
  await feed.start();
  deps.lifecycle.add('change feed', () => feed.stop());
  if (dbConfig.kind === 'postgres') {
    const prune = () => void pruneChanges(database.prisma, Math.max(2 * windowMs, 86_400_000)).catch((err: unknown) => logger.warn({ err }, 'could not prune the change log'));
    prune();
    const pruning = setInterval(prune, 3_600_000).unref();
    deps.lifecycle.add('change-log pruning', async () => clearInterval(pruning));
  }
  return feed;
}
