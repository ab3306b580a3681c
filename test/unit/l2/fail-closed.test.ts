import Keyv from 'keyv';
import { memoryL2Client } from '../../../src/l2-client/memory';
import { DecisionService } from '../../../src/authz/decision-service';
import { StoreUnavailableError } from '../../../src/authz/errors';
import { createCacheKeys } from '../../../src/l2/keys';
import { PermissionLoader } from '../../../src/l1/permission-loader';
import { L2PermissionCache } from '../../../src/l2/l2-cache';
import { SingleFlight } from '../../../src/single-flight/single-flight';
import type { LoadedSet, PermissionSetSource } from '../../../src/source/types';
import { createLogger } from '../../../src/observability/logger';
import { L2Values } from '../../../src/l2/l2-entry';
import { createL2Signer, processSigningKey } from '../../../src/l2/l2-signing';
import { FakeSource } from '../../helpers/fake-source';

/**
 * Faults of the layers below L1 that cannot be made with a real database (a store that
 * fails some keys of a batch, or returns the wrong number of results): named fakes.
 * Whatever they do, no decision is `allowed: true` unless the store said so, and no
 * error is cached in L1, single flight or L2.
 */
const keys = createCacheKeys('t:');
const logger = createLogger('silent');
const ADMIN: LoadedSet = { snapshot: { member: true, roles: ['admin'], rolePatterns: ['*:*'], grants: [] }, status: 'MISS', revision: 1 };

/** The store, answering as `respond` says. */
function fakeStore(respond: FakeSource['respond']) {
  return Object.assign(new FakeSource(), { respond });
}

function chain(store: PermissionSetSource) {
  const kv = new Keyv();
  const l2 = new L2PermissionCache(memoryL2Client(kv), new SingleFlight(store, keys), { keys, ttlSeconds: 60, logger, values: new L2Values(createL2Signer({ current: processSigningKey() })) });
  const decisions = new DecisionService({ maxChecks: 10 });
  const newLoader = () => new PermissionLoader(l2, keys, { cache: true });
  return { kv, decisions, newLoader };
}

test('a batch that fails for some keys fails those checks only, and caches none of the failures', async () => {
  const store = fakeStore(async (requests) => requests.map((r) => (r.userId === 'bad' ? new StoreUnavailableError('row missing') : ADMIN)));
  const { kv, decisions, newLoader } = chain(store);
  const loader = newLoader();
  const [good, bad] = await Promise.allSettled([
    decisions.can(loader, { userId: 'good', orgId: 'o', permission: 'a:b' }),
    decisions.can(loader, { userId: 'bad', orgId: 'o', permission: 'a:b' }),
  ]);
  expect(good).toMatchObject({ status: 'fulfilled', value: { allowed: true } });
  expect(bad).toMatchObject({ status: 'rejected', reason: expect.any(StoreUnavailableError) });
  expect(await kv.get(keys.permissions({ userId: 'bad', orgId: 'o' }))).toBeUndefined();
  // The failure was not kept anywhere: the next request asks the store again and gets its answer.
  store.respond = async (requests) => requests.map(() => ADMIN);
  await expect(decisions.can(newLoader(), { userId: 'bad', orgId: 'o', permission: 'a:b' })).resolves.toMatchObject({ allowed: true, cacheStatus: 'MISS' });
});

test('a store returning the wrong number of results fails every key of the batch', async () => {
  const store = fakeStore(async (requests) => [...requests.map(() => ADMIN), ADMIN]);
  const { kv, decisions, newLoader } = chain(store);
  const loader = newLoader();
  const results = await Promise.allSettled([
    decisions.can(loader, { userId: 'a', orgId: 'o', permission: 'a:b' }),
    decisions.can(loader, { userId: 'b', orgId: 'o', permission: 'a:b' }),
  ]);
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  expect(await kv.get(keys.permissions({ userId: 'a', orgId: 'o' }))).toBeUndefined();
});

test('an L1 source returning the wrong number of results is rejected by DataLoader', async () => {
  const short = fakeStore(async () => [ADMIN]);
  const loader = new PermissionLoader(short, keys, { cache: true });
  const decisions = new DecisionService({ maxChecks: 10 });
  const results = await Promise.allSettled([
    decisions.can(loader, { userId: 'a', orgId: 'o', permission: 'a:b' }),
    decisions.can(loader, { userId: 'b', orgId: 'o', permission: 'a:b' }),
  ]);
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
});

test('a store that rejects outright fails every waiter and is asked again next time', async () => {
  const store = fakeStore(async () => Promise.reject(new StoreUnavailableError('down')));
  const { decisions, newLoader } = chain(store);
  const waiters = await Promise.allSettled(Array.from({ length: 50 }, () => decisions.can(newLoader(), { userId: 'x', orgId: 'o', permission: 'a:b' })));
  expect(waiters.every((w) => w.status === 'rejected')).toBe(true);
  const before = store.loads;
  await Promise.allSettled([decisions.can(newLoader(), { userId: 'x', orgId: 'o', permission: 'a:b' })]);
  expect(store.loads).toBe(before + 1);
});
