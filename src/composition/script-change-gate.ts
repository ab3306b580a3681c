import type { Config } from '../config/config';
import { openL2Backend } from '../l2-client/open';
import { createCacheKeys } from '../l2/keys';
import type { Logger } from '../observability/logger';
import type { L2ChangeGate } from '../revocation/change-gate';
import { buildChangeGate, buildInvalidation } from './revocation';

/**
 * The change gate of an operator script that changes the policy (`npm run import`), built
 * from the same parts as the gateway's (revocation.ts): only a shared L2 needs fencing;
 * an in-process L2 lives in the gateways, which learn of the change from the change log.
 * `fencesRedis` says whether the gate writes to Redis; `close` releases the connection.
 */
export async function openScriptChangeGate(
  config: Pick<Config, 'redis' | 'cache'>,
  logger: Logger,
): Promise<{ gate: L2ChangeGate | null; fencesRedis: boolean; close(): Promise<void> }> {
  if (!config.cache.l2Enabled || config.redis.kind === 'memory') return { gate: null, fencesRedis: false, close: async () => undefined };
  const backend = await openL2Backend(config.redis, { logger });
  const invalidation = buildInvalidation(backend, createCacheKeys(config.cache.keyPrefix), config, { logger });
  return { gate: buildChangeGate(invalidation, null, logger), fencesRedis: true, close: () => backend.client.close() };
}
