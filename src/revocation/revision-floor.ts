import type { Subject } from '../authz/types';
import type { InvalidationTarget } from './invalidation';

/** A committed change as the floors need it (see src/store/change-log.ts). */
export interface FloorChange {
  readonly orgId: string;
  readonly revision: number;
  readonly userIds: readonly string[];
  readonly wholeOrg: boolean;
}

interface Floor {
  revision: number;
  until: number;
}

/**
 * Per-instance revision floors: after a committed change to a subject (or to a whole
 * organization) at revision r, a cached set of that subject with a revision below r
 * predates the change and must not be served, whatever Redis says (a fence that never
 * landed, or was lost in a Redis restart). A floor is kept for `keepMs` (2 x the L2
 * TTL): every value written before the change has expired by then, since values
 * never outlive the TTL. Raising is idempotent (the floor is a maximum).
 */
export class RevisionFloors {
  private readonly subjects = new Map<string, Floor>();
  private readonly orgs = new Map<string, Floor>();
  private readonly now: () => number;

  constructor(private readonly options: { keepMs: number; now?: () => number }) {
    this.now = options.now ?? Date.now;
  }

  raise(change: FloorChange): void {
    const until = this.now() + this.options.keepMs;
    if (change.wholeOrg) {
      lift(this.orgs, change.orgId, change.revision, until);
    } else {
      for (const userId of change.userIds) lift(this.subjects, subjectKey({ userId, orgId: change.orgId }), change.revision, until);
    }
  }

  /** The lowest revision a cached set of `subject` may have to be served; 0: no floor. */
  minRevision(subject: Subject): number {
    // The warm path: no change in the window costs two size checks.
    if (this.subjects.size === 0 && this.orgs.size === 0) return 0;
    const now = this.now();
    return Math.max(current(this.orgs, subject.orgId, now), current(this.subjects, subjectKey(subject), now));
  }

  /** Every subject and organization still under a floor: what a re-invalidation must cover. */
  targets(): InvalidationTarget {
    this.prune();
    return {
      subjects: [...this.subjects.keys()].map((key) => {
        const [userId, orgId] = JSON.parse(key) as [string, string];
        return { userId, orgId };
      }),
      orgIds: [...this.orgs.keys()],
    };
  }

  /** Drops floors past their time. */
  prune(): void {
    const now = this.now();
    for (const map of [this.subjects, this.orgs]) {
      for (const [key, floor] of map) if (floor.until <= now) map.delete(key);
    }
  }

  get size(): number {
    return this.subjects.size + this.orgs.size;
  }
}

function subjectKey(subject: Subject): string {
  return JSON.stringify([subject.userId, subject.orgId]);
}

function lift(map: Map<string, Floor>, key: string, revision: number, until: number): void {
  const floor = map.get(key);
  if (!floor) map.set(key, { revision, until });
  else {
    floor.revision = Math.max(floor.revision, revision);
    floor.until = Math.max(floor.until, until);
  }
}

function current(map: Map<string, Floor>, key: string, now: number): number {
  const floor = map.get(key);
  if (!floor) return 0;
  if (floor.until <= now) {
    map.delete(key);
    return 0;
  }
  return floor.revision;
}
