import type { Subject } from '../../authz/types';

/** A sampled request's load in progress: its parent span and the subjects it waits for. */
interface Waiting<P> {
  readonly parent: P;
  readonly subjects: readonly Subject[];
}

/**
 * Where the shared data layers find the parent of a span, without async context (no
 * async hook ever runs: an unsampled request pays nothing here).
 *
 * - The L2 read: a request's source (request-trace.ts) calls down the chain (request
 *   deadline -> breaker -> L2 cache) synchronously up to Keyv `getMany`, so it sets
 *   `reading` for the length of that call and the read's wrapper takes it. Reads of
 *   several requests coalesced into one MGET still get one span each, in their own
 *   trace. Contract for the layers between: no await before the read.
 * - The store load: single flight merges the misses of every request of an event-loop
 *   turn into one load, sent later; the store's wrapper asks which sampled request is
 *   waiting for one of the batch's subjects (the oldest one waiting).
 *
 * A load in progress is one entry in an insertion-ordered set: registering and
 * forgetting it (every sampled load, warm or not) builds no key. Subjects are compared
 * only when the store asks for a parent: on a store load, never on a warm request.
 */
export class LoadParents<P> {
  /** The parent of an L2 read started now, while a sampled request's load is being called; else undefined. */
  reading: P | undefined;
  /** The sampled loads in progress, oldest first. */
  private readonly waiting = new Set<Waiting<P>>();

  /** Calls `load` (a load of `subjects`) with `parent` as the parent of its L2 read and of the store loads it waits for. */
  during<T>(parent: P, subjects: readonly Subject[], load: () => Promise<T>): Promise<T> {
    const entry: Waiting<P> = { parent, subjects };
    this.waiting.add(entry);
    const done = () => void this.waiting.delete(entry);
    const outer = this.reading;
    this.reading = parent;
    let loading: Promise<T>;
    try {
      loading = load();
    } catch (error) {
      done();
      throw error;
    } finally {
      this.reading = outer;
    }
    loading.then(done, done);
    return loading;
  }

  /** The parent of a store load of `subjects`: the oldest sampled load waiting for one of them, if any. */
  storeParent(subjects: readonly Subject[]): P | undefined {
    if (this.waiting.size === 0) return undefined;
    // User -> organizations of the batch: looked up by the IDs as they are, no key built per subject.
    const wanted = new Map<string, Set<string>>();
    for (const { userId, orgId } of subjects) {
      const orgs = wanted.get(userId);
      if (orgs) orgs.add(orgId);
      else wanted.set(userId, new Set([orgId]));
    }
    for (const entry of this.waiting) {
      for (const { userId, orgId } of entry.subjects) if (wanted.get(userId)?.has(orgId)) return entry.parent;
    }
    return undefined;
  }
}
