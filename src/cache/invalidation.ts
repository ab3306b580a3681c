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
 * Version keys live 2 x TTL: after that, every value loaded under the old token has
 * expired too, so forgetting the version cannot revive one.
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
      ...(target.subjects ?? []).map((s) => ({ key: this.keys.pairVersion(s), value: newToken(), ttl })),
      ...[...new Set(target.orgIds ?? [])].map((id) => ({ key: this.keys.orgVersion(id), value: newToken(), ttl })),
    ];
    if (entries.length === 0) return;
    // Invalidation is rare and must land: a longer bound than the read path's.
    await withDeadline(this.kv.setMany(entries), Math.max(this.options.timeoutMs, 2000), 'L2 invalidation');
    this.options.logger.info({ event: 'authz_l2_invalidated', keys: entries.length }, 'authz_l2_invalidated');
  }
}

function newToken(): string {
  return randomBytes(9).toString('base64url');
}
