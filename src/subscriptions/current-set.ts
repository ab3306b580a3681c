import { type ReadRequirement } from '../authz/consistency';
import type { DecisionService, PermissionReader } from '../authz/decision-service';
import type { PermissionSnapshot } from '../authz/types';
import type { LoadCurrent } from './permission-watch';

const FULLY_CONSISTENT: ReadRequirement = Object.freeze({ mode: 'FULLY_CONSISTENT' });

/**
 * A subscription's load: the same decision path as the `permissions` query, with
 * FULLY_CONSISTENT (an L1 over the store, L2 skipped), so a set pushed after a commit
 * includes it. Also reports the earliest expiry, after now, of a direct grant.
 *
 * Loads started in one event-loop turn share one L1, so a change to a whole organization
 * reloads its subscribed members in batched store reads rather than one read each. The
 * L1 is dropped at the end of the turn: a later load (a watch's next one) never sees a
 * set an earlier load read.
 */
export function loadCurrentSet(decisions: DecisionService, newReader: (requirement: ReadRequirement) => PermissionReader): LoadCurrent {
  let shared: PermissionReader | null = null;
  const turnReader = (): PermissionReader => {
    if (!shared) {
      shared = newReader(FULLY_CONSISTENT);
      setImmediate(() => (shared = null));
    }
    return shared;
  };
  return async (subject) => {
    const reader = turnReader();
    let snapshot: PermissionSnapshot | null = null;
    const set = await decisions.permissions(
      {
        load: async (s) => {
          const loaded = await reader.load(s);
          snapshot = loaded.snapshot;
          return loaded;
        },
      },
      subject,
    );
    const now = Date.now();
    let nextExpiry: number | null = null;
    for (const grant of (snapshot as PermissionSnapshot | null)?.grants ?? []) {
      if (grant.expiresAt !== null && grant.expiresAt > now && (nextExpiry === null || grant.expiresAt < nextExpiry)) nextExpiry = grant.expiresAt;
    }
    return { set, nextExpiry };
  };
}
