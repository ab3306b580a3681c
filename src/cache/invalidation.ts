import { randomBytes } from 'node:crypto';
import type Keyv from 'keyv';
import type { Subject } from '../authz/types';
import type { Logger } from '../observability/logger';
import { withDeadline } from './deadline';
import type { CacheKeys } from './keys';

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
 * read PostgreSQL before the change committed. Call it after the change commits.
 *
 * Pair versions live 2 x TTL, organization versions orgVersionTtlMs. A version that is
 * gone never revives an old value: L2 caches nothing without both versions present, and
 * gives an absent one a new token before loading (see L2PermissionCache).
 */
export class L2Invalidator {
  constructor(
    private readonly kv: Keyv,
    private readonly keys: CacheKeys,
    private readonly options: { ttlSeconds: number; timeoutMs: number; logger: Logger },
  ) {}

  async invalidate(target: InvalidationTarget): Promise<void> {
    const ttl = 2 * this.options.ttlSeconds * 1000;
    const entries = [
      ...(target.subjects ?? []).map((s) => ({ key: this.keys.pairVersion(s), value: newVersionToken(), ttl })),
      ...[...new Set(target.orgIds ?? [])].map((id) => ({ key: this.keys.orgVersion(id), value: newVersionToken(), ttl: orgVersionTtlMs(this.options.ttlSeconds) })),
    ];
    if (entries.length === 0) return;
    // Invalidation is rare and must land: a longer bound than the read path's.
    await withDeadline(this.kv.setMany(entries), Math.max(this.options.timeoutMs, 2000), 'L2 invalidation');
    this.options.logger.info({ event: 'authz_l2_invalidated', keys: entries.length }, 'authz_l2_invalidated');
  }
}

/** A fresh, unguessable version token. */
export function newVersionToken(): string {
  return randomBytes(9).toString('base64url');
}

/**
 * How long an organization version lives: a day, and never less than 2 x TTL like a
 * pair version. Long, because losing one costs every member of the organization a miss
 * at once; finite, so nothing L2 writes stays without an expiry.
 */
export function orgVersionTtlMs(ttlSeconds: number): number {
  return Math.max(2 * ttlSeconds * 1000, 24 * 3600 * 1000);
}
