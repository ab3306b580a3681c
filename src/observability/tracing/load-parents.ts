import type { Subject } from '../../authz/types';

/** A sampled request's load in progress: its parent span and the subjects it waits for, in a list oldest first. */
interface Waiting<P> {
  readonly parent: P;
  readonly subjects: readonly Subject[];
  older: Waiting<P> | undefined;
  newer: Waiting<P> | undefined;
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
 * A load in progress is one entry of a list, oldest first: registering and forgetting
 * it (every sampled load, warm or not) builds no key. Subjects are compared only when
 * the store asks for a parent: on a store load, never on a warm request. A forgotten
 * entry keeps no link. Not a JavaScript Set: with one, the traced gateway's
 * young-generation collections kept and promoted several times as much
 * (docs/benchmarks.md), likely because a Set's table, rebuilt every few changes, stays
 * linked to the next one, so one promoted table kept every later one, and the spans
 * they held, alive until a full collection.
 */
export class LoadParents<P> {
  /** The parent of an L2 read started now, while a sampled request's load is being called; else undefined. */
  reading: P | undefined;
  /** The sampled loads in progress: the oldest, then each one's `newer`. */
  private oldest: Waiting<P> | undefined;
  private newest: Waiting<P> | undefined;

  /** Calls `load` (a load of `subjects`) with `parent` as the parent of its L2 read and of the store loads it waits for. */
  during<T>(parent: P, subjects: readonly Subject[], load: () => Promise<T>): Promise<T> {
    const entry: Waiting<P> = { parent, subjects, older: this.newest, newer: undefined };
    if (this.newest) this.newest.newer = entry;
    else this.oldest = entry;
    this.newest = entry;
    const done = () => this.forget(entry);
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
    if (!this.oldest) return undefined;
    // User -> organizations of the batch: looked up by the IDs as they are, no key built per subject.
    const wanted = new Map<string, Set<string>>();
    for (const { userId, orgId } of subjects) {
      const orgs = wanted.get(userId);
      if (orgs) orgs.add(orgId);
      else wanted.set(userId, new Set([orgId]));
    }
    for (let entry: Waiting<P> | undefined = this.oldest; entry; entry = entry.newer) {
      for (const { userId, orgId } of entry.subjects) if (wanted.get(userId)?.has(orgId)) return entry.parent;
    }
    return undefined;
  }

  /** Takes `entry` out of the list (once; again does nothing) and clears its own links. */
  private forget(entry: Waiting<P>): void {
    const { older, newer } = entry;
    if (older) older.newer = newer;
    else if (this.oldest === entry) this.oldest = newer;
    else return;
    if (newer) newer.older = older;
    else this.newest = older;
    entry.older = undefined;
    entry.newer = undefined;
  }
}
