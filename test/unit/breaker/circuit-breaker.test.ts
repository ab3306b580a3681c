import { BoundedL2Client } from '../../../src/l2-client/bounded';
import { BreakerReportingL2Client } from '../../../src/l2-client/reporting-to-breaker';
import { hanging, l2ClientWith } from '../../helpers/l2-client-faults';
import { BreakerSource } from '../../../src/breaker/breaker-source';
import { CircuitBreaker } from '../../../src/breaker/circuit-breaker';
import type { LoadedSet, LoadRequest, PermissionSetSource } from '../../../src/source/types';
import { createLogger } from '../../../src/observability/logger';

const logger = createLogger('silent');
const SET: LoadedSet = { snapshot: { member: true, roles: ['r'], rolePatterns: ['a:b'], grants: [] }, status: 'MISS', revision: 1 };

/** A named fake next layer: records calls. */
class RecordingSource implements PermissionSetSource {
  calls: LoadRequest[][] = [];
  async load(requests: readonly LoadRequest[]) {
    this.calls.push([...requests]);
    return requests.map(() => SET);
  }
}

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
  const l2 = new RecordingSource();
  const store = new RecordingSource();
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

test('the L2 client decorator reports failures, and calls that outlive the deadline beneath it', async () => {
  const breaker = new CircuitBreaker({ windowMs: 60_000, timeoutMs: 10, probe: async () => undefined, logger });
  // Reads never answer, as a silent Redis's do; writes reach memory.
  const guarded = new BreakerReportingL2Client(new BoundedL2Client(l2ClientWith({ getMany: hanging() }), 10), breaker);
  try {
    await guarded.setMany([{ key: 'k', value: 'v' }]);
    expect(await guarded.writeVersions([{ kind: 'create', key: 'v', token: 'w', ttlMs: 60_000, replaceJunk: false }])).toEqual(['w']);
    expect(breaker.isOpen).toBe(false);
    await expect(guarded.getMany(['k'])).rejects.toThrow(/longer than 10 ms/);
    expect(breaker.isOpen).toBe(true);
  } finally {
    breaker.stop();
  }
});
