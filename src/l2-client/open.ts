import type { RedisConfig } from '../config/config';
import type { Logger } from '../observability/logger';
import { openRedisL2 } from './keyv-redis';
import { openRedisClusterL2 } from './keyv-redis-cluster';
import { openMemoryL2 } from './memory';
import type { L2Backend } from './types';

/** The L2 backend the configuration names: Redis, Redis Cluster, or process memory. */
export function openL2Backend(config: RedisConfig, options: { logger: Logger }): Promise<L2Backend> {
  switch (config.kind) {
    case 'memory':
      return Promise.resolve(openMemoryL2());
    case 'cluster':
      return openRedisClusterL2(config.nodes, options);
    default:
      return openRedisL2(config.url, options);
  }
}
