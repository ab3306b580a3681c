import { earliestExpiry } from '../authz/snapshot';
import type { Subject } from '../authz/types';
import type { Logger } from '../observability/logger';
import type { L2Client } from '../l2-client/types';
import type { VersionWrite } from '../l2-client/version-writes';
import { newVersionToken, orgVersionTtlMs } from './versions';
import type { CacheKeys } from './keys';
import { type L2Values, readVersion, Rejected, type RejectReason } from './l2-entry';
import type { LoadedSet, LoadRequest, PermissionSetSource } from '../source/types';

export interface L2CacheOptions {
  keys: CacheKeys;
  ttlSeconds: number;
  logger: Logger;
  now?: () => number;
  /**
   * Committed changes as this instance learned them from PostgreSQL (src/revocation/change-feed.ts): a
   * set below its subject's floor is not served, and while `live` is false no L2 hit is.
   */
  floor?: { readonly live: boolean; minRevision(subject: Subject): number };
  /** Seals values written and checks values read (l2-entry.ts, l2-signing.ts). */
  values: L2Values;
  /** Told of every value or version token refused on read (a miss); default: nothing. */
  onRejected?: (key: string, reason: RejectReason) => void;
}

/**
 * L2: whole permission sets of (user, org) pairs in the L2 client (Redis through Keyv,
 * or memory when no Redis is configured), in front of `next`. Every call to the client is
 * bounded by its deadline decorator (src/l2-client/bounded.ts); a failed or late call is
 * a miss here.
 *
 * - One read round trip per call: the permission keys, the pair versions and the
 *   organization versions of all requested subjects go in one `getMany` (one MGET).
 * - A value counts only if its MAC, key and signed expiry check out and its fence equals
 *   the versions read with it (see l2-entry.ts); anything refused is a miss, reported
 *   to `onRejected`, and overwritten by the load's write-back.
 * - Misses go to `next` in one call, tagged with the fence they were read under, and
 *   are written back in one `setMany`, with a TTL capped at the earliest grant expiry.
 * - A Redis error or timeout is a miss, never a decision: the subjects are loaded from
 *   `next` and reported `DEGRADED`.
 * - `fresh` requests skip L2 (read and write); `minRevision` rejects older cached sets.
 */
export class L2PermissionCache implements PermissionSetSource {
  private readonly now: () => number;

  constructor(
    private readonly client: L2Client,
    private readonly next: PermissionSetSource,
    private readonly options: L2CacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async load(requests: readonly LoadRequest[]): Promise<Array<LoadedSet | Error>> {
    const { floor } = this.options;
    if (floor) {
      // Fail closed to the store: a miss, never a denial.
      if (!floor.live) return this.degraded(await this.next.load(requests.map(({ userId, orgId }) => ({ userId, orgId, fresh: true }))));
      requests = withFloors(requests, floor);
    }
    if (requests.every((r) => r.fresh)) return this.next.load(requests.map(({ userId, orgId }) => ({ userId, orgId, fresh: true })));
    const { keys } = this.options;
    const orgIds = [...new Set(requests.map((r) => r.orgId))];
    const orgIndex = new Map(orgIds.map((id, i) => [id, 2 * requests.length + i]));
    const readKeys = [
      ...requests.map((r) => keys.permissions(r)),
      ...requests.map((r) => keys.pairVersion(r)),
      ...orgIds.map((id) => keys.orgVersion(id)),
    ];

    let values: unknown[];
    try {
      values = await this.client.getMany(readKeys);
    } catch (error) {
      this.options.logger.warn({ event: 'authz_l2_cache_error', operation: 'read', err: error }, 'authz_l2_cache_error');
      return this.degraded(await this.next.load(requests.map(({ userId, orgId, fresh }) => ({ userId, orgId, fresh }))));
    }

    const results: Array<LoadedSet | Error | undefined> = new Array(requests.length);
    const misses: LoadRequest[] = [];
    const missIndex: number[] = [];
    const now = this.now();
    // Version keys holding junk: rewritten with a fresh token before the load.
    const junk = new Set<string>();
    const version = (index: number): string | undefined => {
      const read = readVersion(values[index]);
      if (!(read instanceof Rejected)) return read;
      this.rejected(readKeys[index]!, read.reason);
      junk.add(readKeys[index]!);
      return undefined;
    };
    const orgTokens = new Map(orgIds.map((id) => [id, version(orgIndex.get(id)!)]));
    const pairTokens = requests.map((_, i) => version(requests.length + i));
    requests.forEach((request, i) => {
      const orgToken = orgTokens.get(request.orgId);
      const pairToken = pairTokens[i];
      // Without both versions a value proves nothing: never a hit (see versionMisses).
      const fence = orgToken !== undefined && pairToken !== undefined ? `${orgToken}/${pairToken}` : null;
      const opened = values[i] === undefined || request.fresh ? null : this.options.values.open(readKeys[i]!, values[i], now);
      if (opened instanceof Rejected) this.rejected(readKeys[i]!, opened.reason);
      const cached = opened instanceof Rejected ? null : opened;
      const expiry = cached ? earliestExpiry(cached.snapshot) : null;
      const fresh = cached !== null && cached.revision >= (request.minRevision ?? 0);
      if (request.fresh) {
        misses.push({ userId: request.userId, orgId: request.orgId, fresh: true });
        missIndex.push(i);
      } else if (cached && fresh && fence !== null && cached.fence === fence && (expiry === null || expiry > now)) {
        this.options.logger.debug({ event: 'authz_l2_cache_hit', userId: request.userId, orgId: request.orgId }, 'authz_l2_cache_hit');
        results[i] = { snapshot: cached.snapshot, status: 'L2_HIT', revision: cached.revision };
      } else {
        misses.push({ userId: request.userId, orgId: request.orgId, fence: fence ?? undefined, minRevision: request.minRevision });
        missIndex.push(i);
      }
    });
    if (misses.length === 0) return results as Array<LoadedSet | Error>;

    if (misses.some((m) => !m.fresh && m.fence === undefined)) {
      try {
        await this.createMissingVersions(misses, orgTokens, missIndex.map((i) => pairTokens[i]), junk);
      } catch (error) {
        this.options.logger.warn({ event: 'authz_l2_cache_error', operation: 'write', err: error }, 'authz_l2_cache_error');
        return this.degraded(await this.next.load(requests.map(({ userId, orgId, fresh }) => ({ userId, orgId, fresh }))));
      }
    }

    const loaded = await this.loadAtLeastAsFresh(misses);
    const writeFailed = !(await this.populate(misses, loaded));
    loaded.forEach((result, j) => {
      results[missIndex[j]!] =
        result instanceof Error ? result : { snapshot: result.snapshot, status: writeFailed ? 'DEGRADED' : 'MISS', revision: result.revision };
    });
    return results as Array<LoadedSet | Error>;
  }

  /**
   * Gives every version a miss lacks (never invalidated yet, expired, or evicted by LRU)
   * a new token, BEFORE the load reads PostgreSQL, and fences the miss with it. Had the
   * absent version simply been written down as "absent", an old value fenced that way
   * would match again whenever a later invalidation's token disappeared. Creation never
   * overwrites a token or a pending mark (src/l2-client/version-writes.ts): concurrent misses, here or in another instance, converge on the
   * first token, and an invalidation that landed first stands. The load reads PostgreSQL
   * after the version exists, so its value is at least as new as that version. A version
   * key read as `junk` is overwritten instead, if it still holds junk (`replaceJunk`);
   * a pending change's marker is never replaced (src/l2-client/version-writes.ts).
   */
  private async createMissingVersions(
    misses: LoadRequest[],
    orgTokens: Map<string, string | undefined>,
    pairTokens: Array<string | undefined>,
    junk: ReadonlySet<string>,
  ): Promise<void> {
    const { keys, ttlSeconds } = this.options;
    const entries: Array<VersionWrite & { kind: 'create' }> = [];
    const slot = new Map<string, number>();
    const want = (key: string, ttl: number): number => {
      let index = slot.get(key);
      if (index === undefined) {
        index = entries.push({ kind: 'create', key, token: newVersionToken(), ttlMs: ttl, replaceJunk: junk.has(key) }) - 1;
        slot.set(key, index);
      }
      return index;
    };
    const plan = misses.map((miss, j) => {
      if (miss.fresh || miss.fence !== undefined) return null;
      const org = orgTokens.get(miss.orgId) ?? want(keys.orgVersion(miss.orgId), orgVersionTtlMs(ttlSeconds));
      const pair = pairTokens[j] ?? want(keys.pairVersion(miss), 2 * ttlSeconds * 1000);
      return { org, pair };
    });
    // The token each key holds now: ours, or the one found there. Where the key holds
    // none (a change is pending, or junk stays), our own unwritten token: the value
    // loaded under it never matches anything, so it is never a hit.
    const after = await this.client.writeVersions(entries);
    const held = entries.map((entry, i) => after[i] ?? entry.token);
    const resolve = (token: string | number) => (typeof token === 'number' ? held[token]! : token);
    plan.forEach((p, j) => {
      if (p) misses[j] = { ...misses[j]!, fence: `${resolve(p.org)}/${resolve(p.pair)}` };
    });
  }

  /**
   * Loads misses from `next`; a set that came back older than its request's
   * `minRevision` (it joined a load that was already running) is read again, fresh,
   * keeping the fence it was read under so it can still be written back.
   */
  private async loadAtLeastAsFresh(misses: LoadRequest[]): Promise<Array<LoadedSet | Error>> {
    const loaded = await this.next.load(misses);
    const stale = misses.flatMap((request, j) => {
      const result = loaded[j]!;
      return !(result instanceof Error) && request.minRevision !== undefined && result.revision < request.minRevision ? [j] : [];
    });
    if (stale.length === 0) return loaded;
    const again = await this.next.load(stale.map((j) => ({ ...misses[j]!, fresh: true })));
    stale.forEach((j, k) => (loaded[j] = again[k]!));
    return loaded;
  }

  /** Writes loaded sets back; false when Redis failed (the answers stand regardless). */
  private async populate(requests: readonly LoadRequest[], loaded: ReadonlyArray<LoadedSet | Error>): Promise<boolean> {
    const now = this.now();
    const entries = [];
    for (const [j, result] of loaded.entries()) {
      const request = requests[j]!;
      // Errors are never cached; unfenced (fresh) loads cannot prove what they are newer than.
      if (result instanceof Error || request.fence === undefined) continue;
      const expiry = earliestExpiry(result.snapshot);
      const ttl = Math.min(this.options.ttlSeconds * 1000, expiry === null ? Infinity : expiry - now);
      if (ttl <= 0) continue;
      const key = this.options.keys.permissions(request);
      entries.push({ key, value: this.options.values.seal(key, result.snapshot, request.fence, result.revision, now + ttl), ttl });
    }
    if (entries.length === 0) return true;
    try {
      await this.client.setMany(entries);
      this.options.logger.debug({ event: 'authz_l2_cache_populated', count: entries.length }, 'authz_l2_cache_populated');
      return true;
    } catch (error) {
      this.options.logger.warn({ event: 'authz_l2_cache_error', operation: 'write', err: error }, 'authz_l2_cache_error');
      return false;
    }
  }

  private rejected(key: string, reason: RejectReason): void {
    this.options.onRejected?.(key, reason);
  }

  private degraded(loaded: Array<LoadedSet | Error>): Array<LoadedSet | Error> {
    return loaded.map((r) => (r instanceof Error ? r : { ...r, status: 'DEGRADED' }));
  }
}

/** `requests` with each subject's floor as its `minRevision` where the floor is higher. */
function withFloors(requests: readonly LoadRequest[], floor: { minRevision(subject: Subject): number }): readonly LoadRequest[] {
  let raised: LoadRequest[] | null = null;
  requests.forEach((request, i) => {
    const min = floor.minRevision(request);
    if (min > (request.minRevision ?? 0)) (raised ??= [...requests])[i] = { ...request, minRevision: min };
  });
  return raised ?? requests;
}
