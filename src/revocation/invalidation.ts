import type { Subject } from '../authz/types';
import type { UnguardedL2Client } from '../l2-client/types';
import type { VersionWrite } from '../l2-client/version-writes';
import type { CacheKeys } from '../l2/keys';
import { newVersionToken, orgVersionTtlMs } from '../l2/versions';
import type { Logger } from '../observability/logger';

export interface InvalidationTarget {
  /** Subjects whose own memberships, roles or grants changed. */
  readonly subjects?: readonly Subject[];
  /** Organizations whose roles changed: every member at once, in O(1) Redis work. */
  readonly orgIds?: readonly string[];
}

/** A committed (or committing) change as invalidation needs it: its change-log ID and what it touched. */
export interface ChangeTarget {
  /** The change-log row's ID (src/store/change-log.ts): unique, never reused, known to every instance. */
  readonly id: string;
  readonly orgId: string;
  readonly userIds: readonly string[];
  readonly wholeOrg: boolean;
}

/**
 * Makes cached permission sets stale by giving their pair or organization version a new
 * token. Values are not deleted: a value carries the fence it was loaded under, so a
 * value from before the change never matches again, even one written late by a load that
 * read PostgreSQL before the change committed.
 *
 * Each change goes through it twice (see change-gate.ts): `fence` before the commit marks
 * the versions it touches pending on its behalf (a failure rolls the change back), and
 * `committed` after it removes its mark, the last mark out writing a new token. While
 * any change is pending on a key, nothing writes a token there (src/l2-client/version-writes.ts), so a
 * load that read PostgreSQL while a change was being committed is fenced by a token of
 * its own that no key holds, and its set is never a hit anywhere. A change's mark lives
 * pendingTtlMs, whatever else happens to the key.
 *
 * Pair tokens live 2 x TTL, organization tokens orgVersionTtlMs. A version that is gone
 * never revives an old value: L2 caches nothing without both versions present, and
 * gives an absent one a new token before loading (see L2PermissionCache).
 *
 * `client` has no breaker decorator (src/composition/l2-clients.ts): an open breaker
 * never skips an invalidation. Its deadline is invalidationTimeoutMs: invalidation is
 * rare and must land, so it is longer than the read path's.
 */
export class L2Invalidator {
  constructor(
    private readonly client: UnguardedL2Client,
    private readonly keys: CacheKeys,
    private readonly options: { ttlSeconds: number; logger: Logger },
  ) {}

  /** Before the commit: every version `changes` touch becomes pending on their behalf. Rejects when that may not have happened. */
  async fence(changes: readonly ChangeTarget[]): Promise<void> {
    const pendingMs = pendingTtlMs(this.options.ttlSeconds);
    await this.apply('fence', this.keysOf(changes).map(({ key, id }) => ({ kind: 'fence', key, changeId: id, pendingMs })));
  }

  /** After the commit, by the change's writer: removes its marks, and writes new tokens where none is left pending. */
  async committed(changes: readonly ChangeTarget[]): Promise<void> {
    await this.apply('after_commit', this.keysOf(changes).map(({ key, id, ttlMs }) => ({ kind: 'settle', key, changeId: id, token: newVersionToken(), ttlMs, always: true })));
  }

  /**
   * For another process's committed change (its writer may have failed or stopped after
   * its commit): removes its marks where they remain, the last one out writing a new
   * token. Keys it no longer marks are left alone, so settling a change whose writer did
   * its job costs one script call per key and no misses. Also for a change rolled back
   * after its fence failed (`rolled_back`): it never commits, so its marks, which may
   * still land late, protect nothing.
   */
  async settle(changes: readonly ChangeTarget[], phase: 'peer' | 'rolled_back' = 'peer'): Promise<void> {
    await this.apply(phase, this.keysOf(changes).map(({ key, id, ttlMs }) => ({ kind: 'settle', key, changeId: id, token: newVersionToken(), ttlMs, always: false })));
  }

  /**
   * New tokens for `target`, except where a change is pending (its own commit or a peer
   * settles it): the breaker's probe after an outage, when Redis may have lost fences.
   */
  async invalidate(target: InvalidationTarget): Promise<void> {
    const pair = 2 * this.options.ttlSeconds * 1000;
    await this.apply('refresh', [
      ...(target.subjects ?? []).map((s) => ({ kind: 'refresh' as const, key: this.keys.pairVersion(s), token: newVersionToken(), ttlMs: pair })),
      ...[...new Set(target.orgIds ?? [])].map((id) => ({ kind: 'refresh' as const, key: this.keys.orgVersion(id), token: newVersionToken(), ttlMs: orgVersionTtlMs(this.options.ttlSeconds) })),
    ]);
  }

  private keysOf(changes: readonly ChangeTarget[]): Array<{ key: string; id: string; ttlMs: number }> {
    const pair = 2 * this.options.ttlSeconds * 1000;
    const org = orgVersionTtlMs(this.options.ttlSeconds);
    return changes.flatMap((c) =>
      c.wholeOrg
        ? [{ key: this.keys.orgVersion(c.orgId), id: c.id, ttlMs: org }]
        : [...new Set(c.userIds)].map((userId) => ({ key: this.keys.pairVersion({ userId, orgId: c.orgId }), id: c.id, ttlMs: pair })),
    );
  }

  private async apply(phase: string, writes: VersionWrite[]): Promise<void> {
    if (writes.length === 0) return;
    await this.client.writeVersions(writes);
    this.options.logger.info({ event: 'authz_l2_invalidated', keys: writes.length, phase }, 'authz_l2_invalidated');
  }
}

/**
 * How long a change's pending mark lives: 2 x TTL, and never less than 10 minutes. The
 * mark must outlive the time from the fence to the post-commit write, whatever
 * AUTHZ_CACHE_TTL is: after its fence a transaction only inserts its change-log rows
 * and commits, but a COMMIT can stall (a slow disk, synchronous replication). A mark that
 * outlives its change costs misses on its keys, never a stale hit, and its change's
 * writer or a peer normally removes it within a second of the commit.
 */
export function pendingTtlMs(ttlSeconds: number): number {
  return Math.max(2 * ttlSeconds * 1000, PENDING_FLOOR_MS);
}

export const PENDING_FLOOR_MS = 10 * 60 * 1000;

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
