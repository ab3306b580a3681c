import { Registry } from 'prom-client';
import { BreakerSource } from '../../src/breaker/breaker-source';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker';
import { buildDecisionChain } from '../../src/composition/decision-chain';
import { Lifecycle } from '../../src/composition/lifecycle';
import { loadConfig } from '../../src/config/config';
import { RequestDeadlineSource } from '../../src/deadline/request-deadline';
import { openMemoryL2 } from '../../src/l2-client/memory';
import { createCacheKeys } from '../../src/l2/keys';
import { L2PermissionCache } from '../../src/l2/l2-cache';
import { L2Values } from '../../src/l2/l2-entry';
import { createL2Signer, processSigningKey } from '../../src/l2/l2-signing';
import { createLogger } from '../../src/observability/logger';
import { createMetrics } from '../../src/observability/metrics';
import { SingleFlight } from '../../src/single-flight/single-flight';
import type { PermissionSetSource } from '../../src/source/types';
import { type Database, openDatabase } from '../../src/store/database';
import { meteredStore } from '../../src/store/metered-store';
import { PostgresPermissionStore } from '../../src/store/permission-store';
import { permissionSetSourceContract, type SourceWorld } from '../contracts/permission-set-source.contract';
import { databaseUrl, runId, TEST_L2_SIGNING_KEY, TEST_REDIS_URL } from '../helpers/services';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

/**
 * Every layer of the decision chain, and the chain as src/composition/ builds it (L2 in
 * memory and on Redis), against the PermissionSetSource contract on a real database
 * (test/contracts/permission-set-source.contract.ts).
 */
const logger = createLogger('silent');
const keys = createCacheKeys(`contract:${Date.now()}:`);
let testDb: TestDatabase;
let database: Database;
let missing: Database;
let world: SourceWorld;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ kind: 'postgres', url: testDb.url });
  missing = await openDatabase({ kind: 'postgres', url: databaseUrl(`authz_missing_${runId()}`) });
  world = { prisma: database.prisma, store: new PostgresPermissionStore(database.prisma), broken: new PostgresPermissionStore(missing.prisma) };
}, 60_000);

afterAll(async () => {
  await missing?.close();
  await database?.close();
  await testDb?.drop();
});

const l2Cache = (next: PermissionSetSource) =>
  new L2PermissionCache(openMemoryL2().client, new SingleFlight(next, keys), { keys, ttlSeconds: 60, logger, values: new L2Values(createL2Signer({ current: processSigningKey() })) });

permissionSetSourceContract('store (PostgreSQL)', () => world, { build: async (next) => ({ source: next }) });
permissionSetSourceContract('metered store', () => world, { build: async (next) => ({ source: meteredStore(next, createMetrics(new Registry())) }) });
permissionSetSourceContract('single flight -> store', () => world, { build: async (next) => ({ source: new SingleFlight(next, keys, { retainMs: 1_000 }) }) });
permissionSetSourceContract('L2 (memory) -> single flight -> store', () => world, { build: async (next) => ({ source: l2Cache(next) }) });
permissionSetSourceContract('breaker -> L2 -> single flight -> store', () => world, {
  build: async (next) => {
    const breaker = new CircuitBreaker({ windowMs: 60_000, timeoutMs: 1_000, probe: async () => undefined, logger });
    return { source: new BreakerSource(l2Cache(next), new SingleFlight(next, keys), breaker), close: async () => breaker.stop() };
  },
});
permissionSetSourceContract('request deadline -> single flight -> store', () => world, { build: async (next) => ({ source: new RequestDeadlineSource(new SingleFlight(next, keys), 10_000) }) });

/** The chain as the gateway builds it, with L2 on `redis` ('' for process memory). */
function composedChain(redis: string) {
  return {
    ownStore: true,
    build: async () => {
      const config = loadConfig({
        NODE_ENV: 'test',
        DATABASE_URL: testDb.url,
        REDIS_URL: redis,
        AUTHZ_REDIS_KEY_PREFIX: `contract:${runId()}:${Date.now()}:`,
        AUTHZ_L2_TIMEOUT_MS: '1000',
        AUTHZ_L2_SIGNING_KEY: TEST_L2_SIGNING_KEY,
        LOG_LEVEL: 'silent',
      });
      const lifecycle = new Lifecycle(logger);
      const chain = await buildDecisionChain(config, { database, metrics: createMetrics(new Registry()), logger, tracing: null, lifecycle });
      // A request's deadline per load, as each GraphQL request gets its own.
      return { source: { load: (requests) => chain.newDeadline().load(requests) } as PermissionSetSource, close: () => lifecycle.stopAll() };
    },
  };
}
permissionSetSourceContract('the composed chain, L2 in memory', () => world, composedChain(''));
permissionSetSourceContract('the composed chain, L2 on Redis', () => world, composedChain(TEST_REDIS_URL));
