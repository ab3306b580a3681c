import type { Subject } from '../authz/types';

/**
 * Every L2 key is built here, for reads, writes and invalidation alike.
 *
 * | key | value | TTL | written by |
 * | --- | --- | --- | --- |
 * | `auth:perms:<user>:<org>` | the subject's permission set, the fence it was loaded under and a signed expiry, with a MAC over key and contents (l2-entry.ts) | `AUTHZ_CACHE_TTL`, never past the earliest grant expiry | the L2 layer after a store load |
 * | `auth:perms::pair:<user>:<org>` | the subject's invalidation version (random token), or the pending mark of changes being committed (version-writes.ts) | 2 x TTL; a mark max(2 x TTL, 10 min) | invalidation of one subject |
 * | `auth:perms::org:<org>` | the organization's policy version (random token), or a pending mark | a day, at least 2 x TTL; a mark as above | invalidation of a whole organization |
 *
 * The first layout is the old service's, so `redis-cli GET auth:perms:alice:acme` keeps
 * working for plain IDs. Keys are injective: `%` and `:` in IDs are percent-encoded,
 * so an encoded ID never contains `:` and the number of segments tells the kinds
 * apart; IDs are never empty, so the empty segment of the version keys cannot be an ID.
 * `prefix` (AUTHZ_REDIS_KEY_PREFIX, empty by default) isolates tenants and test runs.
 */
export interface CacheKeys {
  permissions(subject: Subject): string;
  pairVersion(subject: Subject): string;
  orgVersion(orgId: string): string;
  /** Identifies a subject inside one process (DataLoader and single-flight maps). */
  subjectId(subject: Subject): string;
}

export const NAMESPACE = 'auth:perms:';

export function encodeId(id: string): string {
  return id.includes('%') || id.includes(':') ? id.replace(/%/g, '%25').replace(/:/g, '%3A') : id;
}

export function createCacheKeys(prefix = ''): CacheKeys {
  const base = `${prefix}${NAMESPACE}`;
  return {
    permissions: (s) => `${base}${encodeId(s.userId)}:${encodeId(s.orgId)}`,
    pairVersion: (s) => `${base}:pair:${encodeId(s.userId)}:${encodeId(s.orgId)}`,
    orgVersion: (orgId) => `${base}:org:${encodeId(orgId)}`,
    subjectId: (s) => `${encodeId(s.userId)}:${encodeId(s.orgId)}`,
  };
}
