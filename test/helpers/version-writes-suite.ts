import pino from 'pino';
import type { Subject } from '../../src/authz/types';
import { type L2Client, unguarded } from '../../src/l2-client/types';
import type { VersionWrite } from '../../src/l2-client/version-writes';
import { createCacheKeys } from '../../src/l2/keys';
import { L2PermissionCache } from '../../src/l2/l2-cache';
import { L2Values, readVersion, Rejected } from '../../src/l2/l2-entry';
import { createL2Signer, processSigningKey } from '../../src/l2/l2-signing';
import { L2Invalidator, PENDING_FLOOR_MS } from '../../src/revocation/invalidation';
import type { LoadedSet, LoadRequest, PermissionSetSource } from '../../src/source/types';

/**
 * Raw access to what an L2 store holds, beside the store itself: the stored text of a
 * key (Keyv's record), a raw write, and the remaining TTL in ms (-2: absent, -1: none).
 */
export interface RawAccess {
  get(key: string): Promise<string | undefined>;
  put(key: string, text: string, ttlMs: number): Promise<void>;
  pttl(key: string): Promise<number>;
  /** Milliseconds since the epoch by the store's clock (Redis: TIME). */
  now(): Promise<number>;
}

export interface Backend {
  /** The L2 client under test (an implementation, or a composition of decorators). */
  client: L2Client;
  raw: RawAccess;
  /** A prefix no other test uses. */
  prefix: string;
}

const logger = pino({ level: 'silent' });
const TTL_MS = 60_000;

/**
 * The contract of version writes (src/l2-client/version-writes.ts), run against every
 * implementation: memory, Redis, Redis Cluster. Each interleaving is driven step by step
 * (no timing): two changes C1 then C2 to the same key, C1's post-commit write, a peer's
 * settle, the breaker probe's re-invalidation and a reader's version creation.
 */
export function versionWritesContract(open: (name: string) => Promise<Backend>, close: (backend: Backend) => Promise<void>): void {
  let backend: Backend;
  let n = 0;
  let key: string;
  beforeEach(async () => {
    backend = await open(`t${++n}`);
    key = `${backend.prefix}auth:perms::pair:carol:acme`;
  });
  afterEach(async () => close(backend));

  const apply = (...writes: VersionWrite[]) => backend.client.writeVersions(writes);
  const fence = (changeId: string, pendingMs = PENDING_FLOOR_MS): VersionWrite => ({ kind: 'fence', key, changeId, pendingMs });
  const settle = (changeId: string, token: string, always: boolean): VersionWrite => ({ kind: 'settle', key, changeId, token, ttlMs: TTL_MS, always });
  const refresh = (token: string): VersionWrite => ({ kind: 'refresh', key, token, ttlMs: TTL_MS });
  const create = (token: string, replaceJunk = false): VersionWrite => ({ kind: 'create', key, token, ttlMs: TTL_MS, replaceJunk });
  /** The version as every reader sees it (Keyv read, then l2-entry.ts readVersion). */
  const readerSees = async (k = key) => readVersion((await backend.client.getMany([k]))[0]);

  it('a fence makes the key pending for readers: no token, and a reader creating one gets none', async () => {
    await apply(create('tokenA'));
    expect(await readerSees()).toBe('tokenA');
    expect(await apply(fence('1'))).toEqual([null]);
    expect(await readerSees()).toBeUndefined();
    expect(await apply(create('tokenR'))).toEqual([null]);
    expect(await readerSees()).toBeUndefined();
  });

  it("C1's post-commit write landing after C2's fence leaves C2 pending; C2's own write ends it", async () => {
    await apply(fence('1'));
    await apply(fence('2'));
    expect(await apply(settle('1', 'afterC1', true))).toEqual([null]);
    expect(await readerSees()).toBeUndefined();
    expect(await apply(settle('2', 'afterC2', true))).toEqual(['afterC2']);
    expect(await readerSees()).toBe('afterC2');
  });

  it("a peer's settle of C1 after C2's fence leaves C2 pending, and so does C1's own late write", async () => {
    await apply(fence('1'));
    await apply(fence('2'));
    expect(await apply(settle('1', 'peer', false))).toEqual([null]);
    expect(await apply(settle('1', 'late', true))).toEqual([null]);
    expect(await readerSees()).toBeUndefined();
    expect(await apply(settle('2', 'afterC2', true))).toEqual(['afterC2']);
  });

  it("a peer's settle writes a token when the writer never did, and costs nothing when it did", async () => {
    await apply(fence('1'));
    expect(await apply(settle('1', 'peer', false))).toEqual(['peer']);
    expect(await readerSees()).toBe('peer');
    // The writer's write came first: the peer finds its token and leaves it (no extra miss).
    await apply(fence('2'), settle('2', 'writer', true));
    expect(await apply(settle('2', 'peer2', false))).toEqual(['writer']);
    expect(await readerSees()).toBe('writer');
  });

  it("the breaker probe's re-invalidation never replaces a pending marker, and refreshes a token", async () => {
    await apply(fence('2'));
    expect(await apply(refresh('probe'))).toEqual([null]);
    expect(await readerSees()).toBeUndefined();
    await apply(settle('2', 'afterC2', true));
    expect(await apply(refresh('probe'))).toEqual(['probe']);
    expect(await readerSees()).toBe('probe');
  });

  it("a reader's replacement of junk lands only while the key still holds junk", async () => {
    await backend.raw.put(key, 'not json', TTL_MS);
    expect(await readerSees()).toBeInstanceOf(Rejected);
    // C2's fence replaces the junk after the reader read it.
    await apply(fence('2'));
    expect(await apply(create('reader', true))).toEqual([null]);
    expect(await readerSees()).toBeUndefined();
    // Junk again (another program's write): now the reader replaces it.
    await backend.raw.put(key, JSON.stringify({ value: { forged: true } }), TTL_MS);
    expect(await apply(create('reader', false))).toEqual([null]);
    expect(await apply(create('reader', true))).toEqual(['reader']);
    expect(await readerSees()).toBe('reader');
  });

  it('creation converges on the first token and never overwrites one', async () => {
    expect(await apply(create('first'), create('second'))).toEqual(['first', 'first']);
    expect(await apply(create('third', true))).toEqual(['first']);
  });

  it('a change whose deadline passed no longer counts; a live one does', async () => {
    const now = await backend.raw.now();
    await backend.raw.put(key, JSON.stringify({ value: '', pending: { 1: now - 1_000, 2: now + 600_000 } }), 600_000);
    expect(await readerSees()).toBeUndefined();
    expect(await apply(settle('1', 'x', false))).toEqual([null]);
    expect(await apply(settle('2', 'afterC2', true))).toEqual(['afterC2']);
    // Only expired changes left: as if absent.
    await backend.raw.put(key, JSON.stringify({ value: '', pending: { 1: now - 1_000 } }), 600_000);
    expect(await apply(create('reader'))).toEqual(['reader']);
  });

  it('a planted deadline these rules never write (years out, fractional, not a number) does not count, and the fence still lands', async () => {
    const now = await backend.raw.now();
    for (const deadline of ['1e300', String(now + 1_000) + '.5', String(now + 10 * 365 * 86_400_000), '"soon"']) {
      // As if absent: a fence replaces the mark with its own, a reader may create a token.
      await backend.raw.put(key, `{"value":"","pending":{"x":${deadline}}}`, 600_000);
      expect(await apply(fence('1'))).toEqual([null]);
      expect(await backend.raw.pttl(key)).toBeLessThanOrEqual(PENDING_FLOOR_MS);
      expect(await apply(settle('1', 'afterC1', true))).toEqual(['afterC1']);
      await backend.raw.put(key, `{"value":"","pending":{"x":${deadline}}}`, 600_000);
      expect(await apply(create('reader'))).toEqual(['reader']);
    }
    await expect(apply(fence('2', 4 * 86_400_000))).rejects.toThrow(RangeError);
  });

  it('a marker without owners (an older gateway wrote it) stays pending until its TTL', async () => {
    await backend.raw.put(key, JSON.stringify({ value: '' }), 600_000);
    expect(await apply(settle('7', 'x', true))).toEqual([null]);
    expect(await apply(refresh('probe'))).toEqual([null]);
    expect(await apply(create('reader', true))).toEqual([null]);
    await apply(fence('8'));
    expect(await apply(settle('8', 'x', true))).toEqual([null]);
    expect(await readerSees()).toBeUndefined();
  });

  it('TTLs: a marker lives until its latest deadline, a token for its own TTL', async () => {
    await apply(fence('1', 600_000));
    expect(await backend.raw.pttl(key)).toBeGreaterThan(590_000);
    await apply(fence('2', 300_000));
    expect(await backend.raw.pttl(key)).toBeGreaterThan(590_000);
    await apply(settle('1', 'x', true));
    const left = await backend.raw.pttl(key);
    expect(left).toBeGreaterThan(290_000);
    expect(left).toBeLessThanOrEqual(300_000);
    await apply(settle('2', 'token', true));
    expect(await backend.raw.pttl(key)).toBeGreaterThan(50_000);
    expect(await backend.raw.pttl(key)).toBeLessThanOrEqual(TTL_MS);
  });

  it('refuses writes it cannot store (no TTL, not a token)', async () => {
    await expect(apply({ kind: 'refresh', key, token: 'a b', ttlMs: TTL_MS })).rejects.toThrow(RangeError);
    await expect(apply({ kind: 'create', key, token: 'ok', ttlMs: 0, replaceJunk: false })).rejects.toThrow(RangeError);
    expect(await backend.raw.get(key)).toBeUndefined();
  });

  it('end to end: a load during C2 (after C1 settled late) is a miss and stays one; C2 committed, the new set is cached', async () => {
    const keys = createCacheKeys(backend.prefix);
    const carol: Subject = { userId: 'carol', orgId: 'acme' };
    const store = new Store();
    const options = { keys, ttlSeconds: 60, logger, values: new L2Values(createL2Signer({ current: processSigningKey() })) };
    const cache = new L2PermissionCache(backend.client, store, options);
    const invalidator = new L2Invalidator(unguarded(backend.client), keys, options);
    const c1 = { id: '101', orgId: 'acme', userIds: ['carol'], wholeOrg: false };
    const c2 = { id: '102', orgId: 'acme', userIds: ['carol'], wholeOrg: false };
    expect(await statusOf(cache, carol)).toEqual({ status: 'MISS', allowed: true });
    expect(await statusOf(cache, carol)).toEqual({ status: 'L2_HIT', allowed: true });

    await invalidator.fence([c1]); // C1 commits, its post-commit write is slow
    await invalidator.fence([c2]); // C2 in its transaction: PostgreSQL still answers the old set
    await invalidator.committed([c1]); // C1's write lands now
    await invalidator.settle([c1]); // and a peer settles C1
    await invalidator.invalidate({ subjects: [carol] }); // and the breaker's probe runs
    expect(await statusOf(cache, carol)).toEqual({ status: 'MISS', allowed: true });
    expect(await statusOf(cache, carol)).toEqual({ status: 'MISS', allowed: true });

    store.allowed = false; // C2 commits
    await invalidator.committed([c2]);
    expect(await statusOf(cache, carol)).toEqual({ status: 'MISS', allowed: false });
    expect(await statusOf(cache, carol)).toEqual({ status: 'L2_HIT', allowed: false });
  });
}

/** PostgreSQL as the next layer sees it: `allowed` says whether carol holds her grant now. */
class Store implements PermissionSetSource {
  allowed = true;
  async load(requests: readonly LoadRequest[]): Promise<Array<LoadedSet | Error>> {
    return requests.map(() => ({
      snapshot: { member: true, roles: [], rolePatterns: [], grants: this.allowed ? [{ pattern: 'doc:read', expiresAt: null }] : [] },
      status: 'MISS',
      revision: 1,
    }));
  }
}

async function statusOf(cache: L2PermissionCache, subject: Subject): Promise<{ status: string; allowed: boolean }> {
  const [result] = await cache.load([subject]);
  if (!result || result instanceof Error) throw result ?? new Error('no result');
  return { status: result.status, allowed: result.snapshot.grants.length > 0 };
}
