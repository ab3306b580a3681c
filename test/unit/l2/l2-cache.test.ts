import Keyv from 'keyv';
import { memoryL2Client } from '../../../src/l2-client/memory';
import pino from 'pino';
import type { PermissionSnapshot, Subject } from '../../../src/authz/types';
import { createCacheKeys } from '../../../src/l2/keys';
import { L2PermissionCache } from '../../../src/l2/l2-cache';
import { L2Values, type RejectReason } from '../../../src/l2/l2-entry';
import { createL2Signer } from '../../../src/l2/l2-signing';
import { FakeSource } from '../../helpers/fake-source';

/** L2 in front of the shared fake next layer (test/helpers/fake-source.ts), on a real in-memory Keyv. */

const T = Date.UTC(2030, 0, 1);
const TTL_SECONDS = 60;
const keys = createCacheKeys('');
const signer = createL2Signer({ current: 'unit-test-signing-key-0123456789abcdef' });
/** A codec of its own (nothing remembered from the cache's): every check runs in full. */
const reader = new L2Values(signer, { remember: 0 });
const alice: Subject = { userId: 'alice', orgId: 'acme' };
const bob: Subject = { userId: 'bob', orgId: 'acme' };

const snapshot = (grants: Array<number | null> = []): PermissionSnapshot => ({
  member: true,
  roles: ['viewer'],
  rolePatterns: ['doc:read'],
  grants: grants.map((expiresAt) => ({ pattern: 'doc:write', expiresAt })),
});

function setup() {
  const kv = new Keyv();
  const next = new FakeSource();
  next.answer = () => ({ snapshot: snapshot(), status: 'MISS', revision: 1 });
  const rejected: Array<[string, RejectReason]> = [];
  const onRejected = (key: string, reason: RejectReason) => void rejected.push([key, reason]);
  const cache = new L2PermissionCache(memoryL2Client(kv), next, { keys, ttlSeconds: TTL_SECONDS, logger: pino({ level: 'silent' }), now: () => T, values: new L2Values(signer), onRejected });
  /** Sets the organization and pair versions, so the current fence of `subject` is `${org}/${pair}`. */
  const versions = async (subject: Subject, org: string, pair: string) => {
    await kv.set(keys.orgVersion(subject.orgId), org);
    await kv.set(keys.pairVersion(subject), pair);
  };
  /** Writes a genuine value, as the gateway would, expiring `exp`. */
  const seed = (subject: Subject, fence: string, revision: number, snap = snapshot(), exp = T + TTL_SECONDS * 1000) =>
    kv.set(keys.permissions(subject), reader.seal(keys.permissions(subject), snap, fence, revision, exp));
  const stored = async (subject: Subject) => {
    const opened = reader.open(keys.permissions(subject), await kv.get(keys.permissions(subject)), T);
    return 'reason' in opened ? null : opened;
  };
  return { kv, next, cache, versions, seed, stored, rejected };
}

beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(T)); // Keyv computes expiry from Date.now
afterEach(() => jest.restoreAllMocks());

describe('L2PermissionCache: fresh requests', () => {
  it('skips L2 entirely: no read, no write-back', async () => {
    const { kv, next, cache, versions, seed, stored } = setup();
    await versions(alice, 'o1', 'p1');
    await seed(alice, 'o1/p1', 3);
    const getMany = jest.spyOn(kv, 'getMany');
    const setMany = jest.spyOn(kv, 'setMany');
    next.answer = () => ({ snapshot: snapshot(), status: 'MISS', revision: 8 });

    const [result] = await cache.load([{ ...alice, fresh: true, minRevision: 2 }]);
    expect(next.calls).toEqual([[{ ...alice, fresh: true }]]);
    expect(result).toMatchObject({ revision: 8, status: 'MISS' });
    expect(getMany).not.toHaveBeenCalled();
    expect(setMany).not.toHaveBeenCalled();
    expect((await stored(alice))?.revision).toBe(3);
  });

  it('in a mixed batch, ignores the cached value of the fresh subject and does not write it back', async () => {
    const { next, cache, versions, seed, stored } = setup();
    await versions(alice, 'o1', 'p1');
    await seed(alice, 'o1/p1', 3);
    next.answer = () => ({ snapshot: snapshot(), status: 'MISS', revision: 4 });

    const results = await cache.load([{ ...alice, fresh: true }, bob]);
    // bob's pair was never invalidated: it gets a new version before the load.
    expect(next.calls).toEqual([[{ ...alice, fresh: true }, { ...bob, fence: expect.stringMatching(/^o1\/[A-Za-z0-9_-]{12}$/), minRevision: undefined }]]);
    expect(results.map((r) => (r instanceof Error ? r : r.revision))).toEqual([4, 4]);
    expect((await stored(alice))?.revision).toBe(3);
    expect(await stored(bob)).toMatchObject({ fence: next.calls[0]![1]!.fence, revision: 4 });
  });
});

describe('L2PermissionCache: minRevision', () => {
  it('takes a cached value whose revision equals minRevision', async () => {
    const { next, cache, versions, seed } = setup();
    await versions(alice, 'o1', 'p1');
    await seed(alice, 'o1/p1', 5);
    const [result] = await cache.load([{ ...alice, minRevision: 5 }]);
    expect(result).toMatchObject({ status: 'L2_HIT', revision: 5 });
    expect(next.calls).toEqual([]);
  });

  it('treats a cached value older than minRevision as a miss, reloads it and writes the newer one back', async () => {
    const { next, cache, versions, seed, stored } = setup();
    await versions(alice, 'o1', 'p1');
    await seed(alice, 'o1/p1', 4);
    next.answer = () => ({ snapshot: snapshot(), status: 'MISS', revision: 5 });

    const [result] = await cache.load([{ ...alice, minRevision: 5 }]);
    expect(next.calls).toEqual([[{ ...alice, fence: 'o1/p1', minRevision: 5 }]]);
    expect(result).toMatchObject({ status: 'MISS', revision: 5 });
    expect(await stored(alice)).toMatchObject({ fence: 'o1/p1', revision: 5 });
  });

  it('reloads a load result older than minRevision once, fresh, and writes it back under the original fence', async () => {
    const { next, cache, versions, stored } = setup();
    await versions(alice, 'o1', 'p1');
    next.answer = (_r, call) => ({ snapshot: snapshot(), status: 'MISS', revision: call === 0 ? 2 : 6 });

    const [result] = await cache.load([{ ...alice, minRevision: 5 }]);
    expect(next.calls).toEqual([
      [{ ...alice, fence: 'o1/p1', minRevision: 5 }],
      [{ ...alice, fence: 'o1/p1', minRevision: 5, fresh: true }],
    ]);
    expect(result).toMatchObject({ status: 'MISS', revision: 6 });
    expect(await stored(alice)).toMatchObject({ fence: 'o1/p1', revision: 6 });
  });

  it('reloads only the stale subjects of a batch, and only once even if the reload is still old', async () => {
    const { next, cache, versions } = setup();
    await versions(alice, 'o1', 'p1');
    next.answer = () => ({ snapshot: snapshot(), status: 'MISS', revision: 2 });

    await cache.load([bob, { ...alice, minRevision: 5 }, { ...bob, orgId: 'other', minRevision: 2 }]);
    expect(next.calls).toHaveLength(2);
    expect(next.calls[1]).toEqual([{ ...alice, fence: 'o1/p1', minRevision: 5, fresh: true }]);
  });
});

describe('L2PermissionCache: validity of cached values', () => {
  it('hits a value whose fence equals the current versions', async () => {
    const { next, cache, versions, seed } = setup();
    await versions(alice, 'o1', 'p1');
    await seed(alice, 'o1/p1', 3);
    expect(await cache.load([alice])).toEqual([{ snapshot: snapshot(), status: 'L2_HIT', revision: 3 }]);
    expect(next.calls).toEqual([]);
  });

  it.each([
    ['an older organization version', 'o0/p1'],
    ['an older pair version', 'o1/p0'],
    ['fence of absent versions', '-/-'],
  ])('misses a value with %s, loads it and rewrites it under the current fence', async (_label, oldFence) => {
    const { next, cache, versions, seed, stored } = setup();
    await versions(alice, 'o1', 'p1');
    await seed(alice, oldFence, 3);
    next.answer = () => ({ snapshot: snapshot(), status: 'MISS', revision: 3 });

    const [result] = await cache.load([alice]);
    expect(result).toMatchObject({ status: 'MISS' });
    expect(next.calls).toEqual([[{ ...alice, fence: 'o1/p1', minRevision: undefined }]]);
    expect((await stored(alice))?.fence).toBe('o1/p1');
  });

  it.each([
    ['expired before now', T - 1],
    ['expiring exactly now', T],
  ])('misses a value with a grant %s', async (_label, expiresAt) => {
    const { next, cache, versions, seed } = setup();
    await versions(alice, 'o1', 'p1');
    await seed(alice, 'o1/p1', 3, snapshot([null, expiresAt]));
    const [result] = await cache.load([alice]);
    expect(result).toMatchObject({ status: 'MISS' });
    expect(next.calls).toHaveLength(1);
  });

  it('hits a value whose grants all expire after now', async () => {
    const { next, cache, versions, seed } = setup();
    await versions(alice, 'o1', 'p1');
    await seed(alice, 'o1/p1', 3, snapshot([T + 1, null]));
    expect((await cache.load([alice]))[0]).toMatchObject({ status: 'L2_HIT' });
    expect(next.calls).toEqual([]);
  });
});

describe('L2PermissionCache: TTL of written values', () => {
  /** The raw stored record after loading `alice` with a set holding `grants`. */
  const written = async (grants: Array<number | null>) => {
    const { kv, next, cache } = setup();
    next.answer = () => ({ snapshot: snapshot(grants), status: 'MISS', revision: 1 });
    const [result] = await cache.load([alice]);
    expect(result).toMatchObject({ status: 'MISS', snapshot: snapshot(grants) });
    return kv.getRaw(keys.permissions(alice));
  };
  const writtenExpiry = async (grants: Array<number | null>) => (await written(grants))?.expires;

  it('is the configured TTL when no grant expires', async () => {
    expect(await writtenExpiry([])).toBe(T + TTL_SECONDS * 1000);
    expect(await writtenExpiry([null])).toBe(T + TTL_SECONDS * 1000);
  });

  it('is capped at the earliest grant expiry', async () => {
    expect(await writtenExpiry([T + 20_000, null, T + 10_000, T + 30_000])).toBe(T + 10_000);
  });

  it('is the configured TTL when every grant outlives it', async () => {
    expect(await writtenExpiry([T + TTL_SECONDS * 1000 + 1])).toBe(T + TTL_SECONDS * 1000);
  });

  it('writes nothing when a grant has already expired, but still answers', async () => {
    expect(await written([T - 1])).toBeUndefined();
    expect(await written([null, T])).toBeUndefined();
  });
});

describe('L2PermissionCache: revision floors', () => {
  function withFloor(floor: { live: boolean; minRevision: () => number }) {
    const kv = new Keyv();
    const next = new FakeSource();
  next.answer = () => ({ snapshot: snapshot(), status: 'MISS', revision: 1 });
    const cache = new L2PermissionCache(memoryL2Client(kv), next, { keys, ttlSeconds: TTL_SECONDS, logger: pino({ level: 'silent' }), now: () => T, floor, values: new L2Values(signer) });
    return { kv, next, cache };
  }

  it('does not serve a cached set below the floor, and reloads one that came back below it', async () => {
    const { kv, next, cache } = withFloor({ live: true, minRevision: () => 4 });
    await kv.set(keys.orgVersion('acme'), 'o1');
    await kv.set(keys.pairVersion(alice), 'p1');
    await kv.set(keys.permissions(alice), reader.seal(keys.permissions(alice), snapshot(), 'o1/p1', 3, T + TTL_SECONDS * 1000));
    next.answer = (_r, call) => ({ snapshot: snapshot(), status: 'MISS', revision: call === 0 ? 3 : 4 });
    const [result] = await cache.load([alice]);
    expect(result).toMatchObject({ status: 'MISS', revision: 4 });
    expect(next.calls).toEqual([[{ ...alice, fence: 'o1/p1', minRevision: 4 }], [{ ...alice, fence: 'o1/p1', minRevision: 4, fresh: true }]]);
  });

  it('while the change feed is not live, reads neither L2 nor a shared load: every set comes fresh from the store', async () => {
    const { kv, next, cache } = withFloor({ live: false, minRevision: () => 0 });
    const getMany = jest.spyOn(kv, 'getMany');
    const [result] = await cache.load([alice]);
    expect(result).toMatchObject({ status: 'DEGRADED' });
    expect(next.calls).toEqual([[{ ...alice, fresh: true }]]);
    expect(getMany).not.toHaveBeenCalled();
  });
});

describe('L2PermissionCache: values and versions that fail the checks', () => {
  it('takes an edited value as a miss, reports it, and overwrites it with a genuine one', async () => {
    const { kv, next, cache, versions, seed, stored, rejected } = setup();
    await versions(alice, 'o1', 'p1');
    await seed(alice, 'o1/p1', 3);
    const genuine = (await kv.get(keys.permissions(alice))) as Record<string, unknown>;
    await kv.set(keys.permissions(alice), { ...genuine, rolePatterns: ['*:*'] });
    next.answer = () => ({ snapshot: snapshot(), status: 'MISS', revision: 3 });

    const [result] = await cache.load([alice]);
    expect(result).toMatchObject({ status: 'MISS', snapshot: { rolePatterns: ['doc:read'] } });
    expect(rejected).toEqual([[keys.permissions(alice), 'mac']]);
    expect(await stored(alice)).toMatchObject({ fence: 'o1/p1', snapshot: { rolePatterns: ['doc:read'] } });
    expect((await cache.load([alice]))[0]).toMatchObject({ status: 'L2_HIT' });
  });

  it('refuses a genuine value past its signed expiry even though the store still holds it', async () => {
    const { cache, versions, seed, rejected } = setup();
    await versions(alice, 'o1', 'p1');
    await seed(alice, 'o1/p1', 3, snapshot(), T);
    expect((await cache.load([alice]))[0]).toMatchObject({ status: 'MISS' });
    expect(rejected).toEqual([[keys.permissions(alice), 'expired']]);
  });

  it('signs what it writes with the signed expiry equal to the TTL', async () => {
    const { kv, cache } = setup();
    await cache.load([alice]);
    const opened = reader.open(keys.permissions(alice), await kv.get(keys.permissions(alice)), T);
    expect(opened).toMatchObject({ expiresAt: T + TTL_SECONDS * 1000 });
  });

  it.each([
    ['junk text', 'not a token/at all'],
    ['an oversize token', 'x'.repeat(129)],
    ['a non-string', { forged: true }],
  ])('replaces a version key holding %s with a fresh token before loading, and caches again', async (_label, junk) => {
    const { kv, next, cache, rejected } = setup();
    await kv.set(keys.orgVersion('acme'), junk);
    await kv.set(keys.pairVersion(alice), junk);

    expect((await cache.load([alice]))[0]).toMatchObject({ status: 'MISS' });
    expect(rejected.map(([key]) => key).sort()).toEqual([keys.orgVersion('acme'), keys.pairVersion(alice)].sort());
    const org = await kv.get(keys.orgVersion('acme'));
    const pair = await kv.get(keys.pairVersion(alice));
    expect(org).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(pair).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(next.calls).toEqual([[{ ...alice, fence: `${org}/${pair}`, minRevision: undefined }]]);
    expect((await cache.load([alice]))[0]).toMatchObject({ status: 'L2_HIT' });
  });

  it('gives a new organization version an expiry too', async () => {
    const { kv, cache } = setup();
    await cache.load([alice]);
    expect((await kv.getRaw(keys.orgVersion('acme')))?.expires).toBe(T + 24 * 3600 * 1000);
    expect((await kv.getRaw(keys.pairVersion(alice)))?.expires).toBe(T + 2 * TTL_SECONDS * 1000);
  });
});
