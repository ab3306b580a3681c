import Keyv from 'keyv';
import { memoryL2Client } from '../../../src/l2-client/memory';
import { unguarded } from '../../../src/l2-client/types';
import pino from 'pino';
import type { Subject } from '../../../src/authz/types';
import { L2Invalidator } from '../../../src/revocation/invalidation';
import { createCacheKeys } from '../../../src/l2/keys';
import { L2PermissionCache } from '../../../src/l2/l2-cache';
import { L2Values } from '../../../src/l2/l2-entry';
import { createL2Signer, processSigningKey } from '../../../src/l2/l2-signing';
import { FakeSource } from '../../helpers/fake-source';

/**
 * A version key can disappear (TTL, LRU eviction under allkeys-lru). That must never
 * bring back a value cached before the invalidation whose token was lost.
 */
const keys = createCacheKeys('');
const carol: Subject = { userId: 'carol', orgId: 'acme' };
const logger = pino({ level: 'silent' });

/** PostgreSQL as the next layer sees it: `allowed` says whether carol holds her grant now. */
function grantStore() {
  const store = Object.assign(new FakeSource(), { allowed: true });
  store.answer = () => ({
    snapshot: { member: true, roles: [], rolePatterns: [], grants: store.allowed ? [{ pattern: 'report:export', expiresAt: null }] : [] },
    status: 'MISS',
    revision: 1,
  });
  return store;
}

function setup() {
  const kv = new Keyv();
  const store = grantStore();
  const options = { keys, ttlSeconds: 300, logger, values: new L2Values(createL2Signer({ current: processSigningKey() })) };
  return { kv, store, cache: new L2PermissionCache(memoryL2Client(kv), store, options), invalidator: new L2Invalidator(unguarded(memoryL2Client(kv)), keys, options) };
}

test.each([
  ['the pair version', keys.pairVersion(carol)],
  ['the organization version', keys.orgVersion(carol.orgId)],
])('losing %s after a revoke never revives the pre-revoke value', async (_label, lostKey) => {
  const { kv, store, cache, invalidator } = setup();
  const [first] = await cache.load([carol]);
  expect(first).toMatchObject({ status: 'MISS' });
  const [warm] = await cache.load([carol]);
  expect(warm).toMatchObject({ status: 'L2_HIT', snapshot: { grants: [{ pattern: 'report:export' }] } });

  store.allowed = false;
  await invalidator.invalidate({ subjects: [carol], orgIds: [carol.orgId] });
  await kv.delete(lostKey);

  const [after] = await cache.load([carol]);
  expect(after).toMatchObject({ status: 'MISS', snapshot: { grants: [] } });
  // Whatever the next read comes from, it is the post-revoke set.
  const [again] = await cache.load([carol]);
  expect(again).toMatchObject({ snapshot: { grants: [] } });
});

test('a stampede on a never-invalidated subject shares one new version, so one load', async () => {
  const { store, cache } = setup();
  const results = await Promise.all(Array.from({ length: 20 }, () => cache.load([carol])));
  expect(results.every(([r]) => !(r instanceof Error) && r!.status === 'MISS')).toBe(true);
  // No single flight in front of the fake here: each request loads, but all under the
  // same new versions, so the one value written is a hit for the next read.
  expect(store.loads).toBe(20);
  const [hit] = await cache.load([carol]);
  expect(hit).toMatchObject({ status: 'L2_HIT' });
});
