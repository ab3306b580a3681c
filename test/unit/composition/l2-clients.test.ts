import { Registry } from 'prom-client';
import { CircuitBreaker } from '../../../src/breaker/circuit-breaker';
import { cacheClient, invalidationClient } from '../../../src/composition/l2-clients';
import type { L2Backend, L2Client } from '../../../src/l2-client/types';
import { createCacheKeys } from '../../../src/l2/keys';
import { createLogger } from '../../../src/observability/logger';
import { createMetrics } from '../../../src/observability/metrics';
import { L2Invalidator } from '../../../src/revocation/invalidation';
import { failing, l2ClientWith } from '../../helpers/l2-client-faults';

/** The two compositions of the L2 client the gateway builds (src/composition/l2-clients.ts). */
const logger = createLogger('silent');
const redisLike = (client: L2Client): L2Backend => ({ kind: 'redis', client, onError: () => undefined });
let breaker: CircuitBreaker;
beforeEach(() => {
  breaker = new CircuitBreaker({ windowMs: 60_000, timeoutMs: 1_000, probe: () => new Promise(() => undefined), logger });
});
afterEach(() => breaker.stop());

test('one L2 read through the whole L2 cache composition starts one timer: the deadline', async () => {
  const client = cacheClient(redisLike(l2ClientWith({})), { timeoutMs: 1_000, metrics: createMetrics(new Registry()), breaker });
  const setTimeoutSpy = jest.spyOn(global, 'setTimeout');
  try {
    expect(await client.getMany(['a', 'b'])).toEqual([undefined, undefined]);
    expect(setTimeoutSpy.mock.calls.map(([, ms]) => ms)).toEqual([1_000]);
  } finally {
    setTimeoutSpy.mockRestore();
  }
});

test('failed reads and version writes of the L2 cache open the breaker', async () => {
  const client = cacheClient(redisLike(l2ClientWith({ writeVersions: failing() })), { timeoutMs: 1_000, metrics: createMetrics(new Registry()), breaker });
  await client.getMany(['a']);
  expect(breaker.isOpen).toBe(false);
  await expect(client.writeVersions([{ kind: 'create', key: 'v', token: 'token', ttlMs: 60_000, replaceJunk: false }])).rejects.toThrow('ECONNREFUSED');
  expect(breaker.isOpen).toBe(true);
});

test('invalidations go through a composition without the breaker: an open breaker never skips them, and their failures reach the change', async () => {
  const writes: string[] = [];
  const memory = l2ClientWith({});
  const backend = redisLike(l2ClientWith({ writeVersions: async (w) => (writes.push(...w.map((e) => e.key)), memory.writeVersions(w)) }));
  const reads = cacheClient(redisLike(l2ClientWith({ getMany: failing() })), { timeoutMs: 1_000, metrics: createMetrics(new Registry()), breaker });
  await expect(reads.getMany(['a'])).rejects.toThrow();
  expect(breaker.isOpen).toBe(true);
  const keys = createCacheKeys('t:');
  const invalidator = new L2Invalidator(invalidationClient(backend, { timeoutMs: 50 }), keys, { ttlSeconds: 60, logger });
  await invalidator.invalidate({ orgIds: ['acme'] });
  expect(writes).toEqual([keys.orgVersion('acme')]);

  const failingInvalidation = invalidationClient(redisLike(l2ClientWith({ writeVersions: failing() })), { timeoutMs: 50 });
  // The change gate turns this rejection into a rolled-back change (L2_UNAVAILABLE).
  await expect(new L2Invalidator(failingInvalidation, keys, { ttlSeconds: 60, logger }).invalidate({ orgIds: ['acme'] })).rejects.toThrow('ECONNREFUSED');
  // The type checker refuses the L2 cache's client (with breaker reporting) for invalidation.
  // @ts-expect-error an L2Client is not an UnguardedL2Client
  void new L2Invalidator(reads, keys, { ttlSeconds: 60, logger });
});
