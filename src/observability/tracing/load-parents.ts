import type { Subject } from '../../authz/types';

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
 *   waiting for one of the batch's subjects (the first one registered).
 */
export class LoadParents<P> {
  /** The parent of an L2 read started now, while a sampled request's load is being called; else undefined. */
  reading: P | undefined;
  /** Subject -> the parents of the sampled loads waiting for it, oldest first. */
  private readonly waiting = new Map<string, P[]>();

  /** Calls `load` (a load of `subjects`) with `parent` as the parent of its L2 read and of the store loads it waits for. */
  during<T>(parent: P, subjects: readonly Subject[], load: () => Promise<T>): Promise<T> {
    const ids = subjects.map(subjectId);
    for (const id of ids) {
      const parents = this.waiting.get(id);
      if (parents) parents.push(parent);
      else this.waiting.set(id, [parent]);
    }
    const done = () => this.forget(ids, parent);
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

  /** The parent of a store load of `subjects`: the first sampled load waiting for one of them, if any. */
  storeParent(subjects: readonly Subject[]): P | undefined {
    if (this.waiting.size === 0) return undefined;
    for (const subject of subjects) {
      const parents = this.waiting.get(subjectId(subject));
      if (parents) return parents[0];
    }
    return undefined;
  }

  private forget(ids: readonly string[], parent: P): void {
    for (const id of ids) {
      const parents = this.waiting.get(id);
      if (!parents) continue;
      const at = parents.indexOf(parent);
      if (at >= 0) parents.splice(at, 1);
      if (parents.length === 0) this.waiting.delete(id);
    }
  }
}

/** Validated IDs hold no NUL; a collision would only misplace a span, never a decision. */
function subjectId(subject: Subject): string {
  return `${subject.userId}\u0000${subject.orgId}`;
}
