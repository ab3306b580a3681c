import Keyv from 'keyv';
import { reportingToBreaker } from '../../../src/cache/breaker-kv';
import { BreakerSource } from '../../../src/cache/breaker-source';
import { CircuitBreaker } from '../../../src/cache/circuit-breaker';
import type { LoadedSet } from '../../../src/cache/types';
import { createLogger } from '../../../src/observability/logger';
import { FakeSource } from '../../helpers/fake-source';

const logger = createLogger('silent');
const SET: LoadedSet = { snapshot: { member: true, roles: ['r'], rolePatterns: ['a:b'], grants: [] }, status: 'MISS', revision: 1 };
/** A next layer that records its calls and answers SET. */
const recording = () => Object.assign(new FakeSource(), { answer: () => SET });

/** A probe the test answers by hand (a fake, since the breaker's timing is what is tested). */
function manualProbe() {
  let outcome: 'ok' | 'fail' = 'fail';
  let probes = 0;
  return {
    probe: async () => {
      probes++;
      if (outcome === 'fail') throw new Error('still down');
    },
    set: (o: 'ok' | 'fail') => (outcome = o),
    count: () => probes,
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(condition()).toBe(true);
}

test('opens on the first failure, skips L2 while open, closes when a probe succeeds', async () => {
  const probe = manualProbe();
  const breaker = new CircuitBreaker({ windowMs: 5, timeoutMs: 50, probe: probe.probe, logger });
  const l2 = recording();
  const store = recording();
  const source = new BreakerSource(l2, store, breaker);
  try {
    await source.load([{ userId: 'u', orgId: 'o', fence: 'f' }]);
    expect(l2.calls).toHaveLength(1);
    breaker.recordFailure(new Error('ECONNREFUSED'));
    expect(breaker.isOpen).toBe(true);
    const skipped = await source.load([{ userId: 'u', orgId: 'o', fence: 'f' }]);
    expect(skipped).toEqual([{ snapshot: SET.snapshot, status: 'DEGRADED', revision: 1 }]);
    // The bypass gets no fence: it must never join a fenced load or write L2.
    expect(store.calls).toEqual([[{ userId: 'u', orgId: 'o' }]]);
    expect(l2.calls).toHaveLength(1);
    await until(() => probe.count() >= 2);
    expect(breaker.isOpen).toBe(true);
    probe.set('ok');
    await until(() => !breaker.isOpen);
    await source.load([{ userId: 'u', orgId: 'o', fence: 'f' }]);
    expect(l2.calls).toHaveLength(2);
  } finally {
    breaker.stop();
  }
});

test('a probe that never answers counts as a failure at the deadline', async () => {
  const breaker = new CircuitBreaker({ windowMs: 1, timeoutMs: 5, probe: () => new Promise(() => undefined), logger });
  try {
    breaker.recordFailure(new Error('x'));
    await new Promise((r) => setTimeout(r, 30));
    expect(breaker.isOpen).toBe(true);
  } finally {
    breaker.stop();
  }
});

test('the Keyv wrapper reports failures and calls that outlive the deadline', async () => {
  const breaker = new CircuitBreaker({ windowMs: 60_000, timeoutMs: 10, probe: async () => undefined, logger });
  const kv = new Keyv();
  // A fake store call that never answers, as a silent Redis does.
  (kv as unknown as { getMany: () => Promise<unknown> }).getMany = () => new Promise(() => undefined);
  const guarded = reportingToBreaker(kv, breaker, 10);
  try {
    await guarded.set('k', 'v');
    expect(await guarded.get('k')).toBe('v');
    expect(breaker.isOpen).toBe(false);
    await expect(guarded.getMany(['k'])).rejects.toThrow(/longer than 10 ms/);
    expect(breaker.isOpen).toBe(true);
  } finally {
    breaker.stop();
  }
});
