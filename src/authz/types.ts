/** Who is asking about whom: a user in an organization. */
export interface Subject {
  readonly userId: string;
  readonly orgId: string;
}

/** A direct grant as the decision path sees it. `expiresAt` is epoch milliseconds. */
export interface GrantEntry {
  readonly pattern: string;
  readonly expiresAt: number | null;
}

/**
 * Everything the decision path knows about one (user, org): the unit that L1 loads,
 * L2 caches and the store reads. Expired grants may still be present (a snapshot
 * outlives the instant it was read); `effectivePatterns` drops them at decision time.
 */
export interface PermissionSnapshot {
  readonly member: boolean;
  /** Role names, sorted. */
  readonly roles: readonly string[];
  /** Patterns from the member's roles, sorted and unique. */
  readonly rolePatterns: readonly string[];
  readonly grants: readonly GrantEntry[];
}

/** Where an answer came from, as the API reports it. */
export type CacheStatus = 'L1_HIT' | 'L2_HIT' | 'MISS' | 'DISABLED' | 'DEGRADED';

export const NOT_A_MEMBER: PermissionSnapshot = Object.freeze({ member: false, roles: [], rolePatterns: [], grants: [] });
