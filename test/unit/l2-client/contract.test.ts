import { Registry } from 'prom-client';
import { CircuitBreaker } from '../../../src/breaker/circuit-breaker';
import { cacheClient, invalidationClient } from '../../../src/composition/l2-clients';
import { openMemoryL2 } from '../../../src/l2-client/memory';
import type { L2Backend } from '../../../src/l2-client/types';
import { createLogger } from '../../../src/observability/logger';
import { createMetrics } from '../../../src/observability/metrics';
import { l2ClientContract } from '../../contracts/l2-client.contract';

/**
 * The in-memory implementation, and the compositions of decorators the gateway builds
 * (src/composition/l2-clients.ts) on top of it: decorators keep the contract. The
 * Redis and Redis Cluster implementations run the same suite in
 * test/integration/l2-client-contract.test.ts.
 */
const metrics = () => createMetrics(new Registry());
/** Memory, presented as Redis so the composition adds coalescing and the breaker decorator. */
const asRedis = (backend: L2Backend): L2Backend => ({ ...backend, kind: 'redis' });
const breakers: CircuitBreaker[] = [];
afterAll(() => breakers.forEach((b) => b.stop()));

l2ClientContract('in-memory (Keyv on a Map)', { open: async () => openMemoryL2().client });
l2ClientContract('the L2 cache composition: coalescing, breaker reporting, metrics, deadline', {
  open: async () => {
    const breaker = new CircuitBreaker({ windowMs: 60_000, timeoutMs: 1_000, probe: async () => undefined, logger: createLogger('silent') });
    breakers.push(breaker);
    return cacheClient(asRedis(openMemoryL2()), { timeoutMs: 1_000, metrics: metrics(), breaker });
  },
});
l2ClientContract('the invalidation composition: metrics, deadline', { open: async () => invalidationClient(openMemoryL2(), { timeoutMs: 1_000, metrics: metrics() }) });
