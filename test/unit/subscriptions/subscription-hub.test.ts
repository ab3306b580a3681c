import { Registry } from 'prom-client';
import type { PermissionSetResult } from '../../../src/authz/decision-service';
import type { Subject } from '../../../src/authz/types';
import { createMetrics } from '../../../src/observability/metrics';
import { SubscriptionHub, SubscriptionLimitError } from '../../../src/subscriptions/subscription-hub';

/** A store whose loads the test resolves by hand, to order them. */
class ManualLoads {
  readonly pending: Array<{ subject: Subject; resolve: (permissions: string[]) => void; reject: (e: Error) => void }> = [];
  load = (subject: Subject) =>
    new Promise<{ set: PermissionSetResult; nextExpiry: number | null }>((resolve, reject) => {
      this.pending.push({ subject, resolve: (permissions) => resolve({ set: { ...subject, permissions, roles: [], cacheStatus: 'MISS' }, nextExpiry: null }), reject });
    });
}

const tick = () => new Promise((r) => setImmediate(r));

function hub(loads: ManualLoads, maxSubscriptions = 10) {
  return new SubscriptionHub({ load: loads.load, maxSubscriptions, metrics: createMetrics(new Registry()) });
}

test('the first set comes from a load started after subscribing; equal sets are not sent again', async () => {
  const loads = new ManualLoads();
  const h = hub(loads);
  const stream = h.subscribe({ userId: 'u', orgId: 'o' });
  expect(loads.pending).toHaveLength(1);
  loads.pending.shift()!.resolve(['a:b']);
  expect((await stream.next()).value.set.permissions).toEqual(['a:b']);
  h.changed([{ id: '1', orgId: 'o', revision: 2, userIds: ['u'], wholeOrg: false }], Date.now());
  loads.pending.shift()!.resolve(['a:b']);
  h.changed([{ id: '2', orgId: 'o', revision: 3, userIds: [], wholeOrg: true }], Date.now());
  await tick();
  loads.pending.shift()!.resolve(['c:d']);
  expect((await stream.next()).value.set.permissions).toEqual(['c:d']);
});

test('changes to other users or organizations load nothing', async () => {
  const loads = new ManualLoads();
  const h = hub(loads);
  h.subscribe({ userId: 'u', orgId: 'o' });
  loads.pending.shift()!.resolve([]);
  await tick();
  h.changed([{ id: '1', orgId: 'o', revision: 2, userIds: ['v'], wholeOrg: false }, { id: '2', orgId: 'p', revision: 1, userIds: [], wholeOrg: true }], Date.now());
  expect(loads.pending).toHaveLength(0);
});

test('loads run one at a time: changes during a load make one more load after it', async () => {
  const loads = new ManualLoads();
  const h = hub(loads);
  const stream = h.subscribe({ userId: 'u', orgId: 'o' });
  for (let i = 0; i < 5; i++) h.changed([{ id: String(i), orgId: 'o', revision: i, userIds: ['u'], wholeOrg: false }], Date.now());
  expect(loads.pending).toHaveLength(1);
  loads.pending.shift()!.resolve(['old:set']);
  await tick();
  expect(loads.pending).toHaveLength(1);
  loads.pending.shift()!.resolve(['new:set']);
  await tick();
  expect(loads.pending).toHaveLength(0);
  // The slow reader gets only the newest set: the older one was replaced, not queued.
  expect((await stream.next()).value.set.permissions).toEqual(['new:set']);
});

test('a failed load ends its subscriptions with the error; limits are enforced', async () => {
  const loads = new ManualLoads();
  const h = hub(loads, 1);
  const stream = h.subscribe({ userId: 'u', orgId: 'o' });
  expect(() => h.subscribe({ userId: 'v', orgId: 'o' })).toThrow(SubscriptionLimitError);
  loads.pending.shift()!.reject(new Error('store down'));
  await expect(stream.next()).rejects.toThrow('store down');
  expect(h.size).toBe(0);
  h.subscribe({ userId: 'v', orgId: 'o' });
  expect(h.size).toBe(1);
});
