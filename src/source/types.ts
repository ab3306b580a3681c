import type { CacheStatus, PermissionSnapshot, Subject } from '../authz/types';

/** A permission set, where it came from, and the organization revision it reflects. */
export interface LoadedSet {
  readonly snapshot: PermissionSnapshot;
  readonly status: CacheStatus;
  /** The organization's revision when the set was read from PostgreSQL (0: no such organization). */
  readonly revision: number;
}

/**
 * A request for a subject's permission set. `fence` is the L2 invalidation state
 * (organization and pair versions) the requester observed before asking; two loads
 * may be shared only when their fences are equal (see src/single-flight/single-flight.ts).
 */
export interface LoadRequest extends Subject {
  readonly fence?: string;
  /** Skip L2: the answer must come from PostgreSQL (FULLY_CONSISTENT). */
  readonly fresh?: boolean;
  /** A cached answer counts only if it reflects at least this revision (AT_LEAST_AS_FRESH). */
  readonly minRevision?: number;
}

/**
 * One layer of the decision path's data chain (L2 cache, single flight, store): answers
 * "the permission sets of these subjects". Each layer wraps the next one.
 *
 * Contract: the result is aligned with `requests` (same length, same order). An entry
 * may be an `Error`, which fails that subject only; a rejected promise fails them all.
 * Errors are never cached by any layer.
 */
export interface PermissionSetSource {
  load(requests: readonly LoadRequest[]): Promise<Array<LoadedSet | Error>>;
}
