import type { Subject } from '../authz/types';
import type { L2Client, UnguardedL2Client } from '../l2-client/types';
import type { CacheKeys } from '../l2/keys';
import { newVersionToken, orgVersionTtlMs } from '../l2/versions';
import type { Logger } from '../observability/logger';

export interface InvalidationTarget {
  /** Subjects whose own memberships, roles or grants changed. */
  readonly subjects?: readonly Subject[];
  /** Organizations whose roles changed: every member at once, in O(1) Redis work. */
  readonly orgIds?: readonly string[];
}

/**
 * Makes cached permission sets stale by giving their pair or organization a new
 * version token: one `setMany` (one MULTI round trip) whatever the number of members.
 * Values are not deleted: a value carries the fence it was loaded under, so a value
 * from before the change never matches again, even one written late by a load that
 * read PostgreSQL before the change committed. It runs twice per change (see
 * change-gate.ts): before the commit (a failure rolls the change back) as `pending`, and
 * after it with new tokens.
 *
 * A pending version holds no token (an empty value, for 2 x TTL at most): reads take it
 * as unreadable, so a load that read PostgreSQL while the change was being committed is
 * fenced by a token of its own that no key holds, and its set is never a hit anywhere.
 * Only the write after the commit makes the subjects cacheable again.
 *
 * Pair versions live 2 x TTL, organization versions orgVersionTtlMs. A version that is
 * gone never revives an old value: L2 caches nothing without both versions present, and
 * gives an absent one a new token before loading (see L2PermissionCache).
 *
 * `client` has no breaker decorator (src/composition/l2.ts): an open breaker never skips
 * an invalidation. Its deadline is the invalidation deadline (invalidationTimeoutMs):
 * invalidation is rare and must land, so it is longer than the read path's.
 */
export class L2Invalidator {
  constructor(
    private readonly client: UnguardedL2Client,
    private readonly keys: CacheKeys,
    private readonly options: { ttlSeconds: number; logger: Logger },
  ) {}

  async invalidate(target: InvalidationTarget, options: { pending?: boolean } = {}): Promise<void> {
    const ttl = 2 * this.options.ttlSeconds * 1000;
    const pending = options.pending ?? false;
    const entries = [
      ...(target.subjects ?? []).map((s) => ({ key: this.keys.pairVersion(s), value: pending ? '' : newVersionToken(), ttl })),
      // A pending organization version lives 2 x TTL at most, in case no write follows.
      ...[...new Set(target.orgIds ?? [])].map((id) => ({ key: this.keys.orgVersion(id), value: pending ? '' : newVersionToken(), ttl: pending ? ttl : orgVersionTtlMs(this.options.ttlSeconds) })),
    ];
    if (entries.length === 0) return;
    await this.client.setMany(entries);
    this.options.logger.info({ event: 'authz_l2_invalidated', keys: entries.length, pending }, 'authz_l2_invalidated');
  }
}

/**
 * Versions of `target` still pending (the change's writer never wrote new tokens after
 * its commit: it failed or stopped) get new tokens; others are left alone, so a peer
 * that settles a change costs one read and no extra misses. A token that lands between
 * the read and the write costs one more miss per subject, never a stale hit.
 */
export async function settlePending(invalidator: L2Invalidator, client: L2Client, keys: CacheKeys, target: InvalidationTarget): Promise<number> {
  const subjects = target.subjects ?? [];
  const orgIds = [...new Set(target.orgIds ?? [])];
  const values = await client.getMany([...subjects.map((s) => keys.pairVersion(s)), ...orgIds.map((id) => keys.orgVersion(id))]);
  const pending: InvalidationTarget = {
    subjects: subjects.filter((_, i) => values[i] === ''),
    orgIds: orgIds.filter((_, i) => values[subjects.length + i] === ''),
  };
  const count = pending.subjects!.length + pending.orgIds!.length;
  if (count > 0) await invalidator.invalidate(pending);
  return count;
}

/** L2 could not be invalidated, so a change that needed it was not made (retry later). */
export class L2UnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'L2UnavailableError';
  }
}

/** The invalidation deadline: at least 2 s, and never shorter than the read path's (AUTHZ_L2_TIMEOUT_MS). */
export function invalidationTimeoutMs(l2TimeoutMs: number): number {
  return Math.max(l2TimeoutMs, 2000);
}
