import { BoundedL2Client } from '../../../src/l2-client/bounded';
import { BreakerReportingL2Client } from '../../../src/l2-client/reporting-to-breaker';
import { hanging, l2ClientWith } from '../../helpers/l2-client-faults';
import { BreakerSource } from '../../../src/breaker/breaker-source';
import { CircuitBreaker } from '../../../src/breaker/circuit-breaker';
import type { LoadedSet } from '../../../src/source/types';
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

// The breaker's timing is what is tested: its window, the probe deadline and the L2
// client's deadline run on jest's fake clock, advanced by the test.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('opens on the first failure, skips L2 while open, probes at once and then every window, closes when a probe succeeds', async () => {
  const probe = manualProbe();
  const breaker = new CircuitBreaker({ windowMs: 500, timeoutMs: 50, probe: probe.probe, logger });
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
    // The first probe runs at once (a false alarm costs no window), the next one a window later.
    await jest.advanceTimersByTimeAsync(0);
    expect(probe.count()).toBe(1);
    await jest.advanceTimersByTimeAsync(499);
    expect(probe.count()).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(probe.count()).toBe(2);
    expect(breaker.isOpen).toBe(true);
    probe.set('ok');
    await jest.advanceTimersByTimeAsync(500);
    expect(probe.count()).toBe(3);
    expect(breaker.isOpen).toBe(false);
    await source.load([{ userId: 'u', orgId: 'o', fence: 'f' }]);
    expect(l2.calls).toHaveLength(2);
    // Closed: no probe is scheduled any more.
    await jest.advanceTimersByTimeAsync(5_000);
    expect(probe.count()).toBe(3);
  } finally {
    breaker.stop();
  }
});

test('a probe that never answers counts as a failure at the deadline, and the next probe comes a window later', async () => {
  let probes = 0;
  const breaker = new CircuitBreaker({
    windowMs: 1_000,
    timeoutMs: 50,
    probe: () => {
      probes++;
      return new Promise(() => undefined);
    },
    logger,
  });
  try {
    breaker.recordFailure(new Error('x'));
    await jest.advanceTimersByTimeAsync(0);
    expect(probes).toBe(1);
    await jest.advanceTimersByTimeAsync(50);
    expect(breaker.isOpen).toBe(true);
    await jest.advanceTimersByTimeAsync(999);
    expect(probes).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(probes).toBe(2);
    expect(breaker.isOpen).toBe(true);
  } finally {
    breaker.stop();
  }
});

test('stop() ends probing', async () => {
  const probe = manualProbe();
  const breaker = new CircuitBreaker({ windowMs: 100, timeoutMs: 50, probe: probe.probe, logger });
  breaker.recordFailure(new Error('x'));
  await jest.advanceTimersByTimeAsync(0);
  expect(probe.count()).toBe(1);
  breaker.stop();
  await jest.advanceTimersByTimeAsync(1_000);
  expect(probe.count()).toBe(1);
  expect(jest.getTimerCount()).toBe(0);
});

test('the L2 client decorator reports failures, and calls that outlive the deadline beneath it', async () => {
  const breaker = new CircuitBreaker({ windowMs: 60_000, timeoutMs: 10, probe: async () => undefined, logger });
  // Reads never answer, as a silent Redis's do; writes reach memory.
  const guarded = new BreakerReportingL2Client(new BoundedL2Client(l2ClientWith({ getMany: hanging() }), 10), breaker);
  try {
    await guarded.setMany([{ key: 'k', value: 'v' }]);
    expect(await guarded.writeVersions([{ kind: 'create', key: 'v', token: 'w', ttlMs: 60_000, replaceJunk: false }])).toEqual(['w']);
    expect(breaker.isOpen).toBe(false);
    const read = expect(guarded.getMany(['k'])).rejects.toThrow(/longer than 10 ms/);
    await jest.advanceTimersByTimeAsync(9);
    expect(breaker.isOpen).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await read;
    expect(breaker.isOpen).toBe(true);
  } finally {
    breaker.stop();
  }
});
