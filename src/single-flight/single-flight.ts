import type { CacheKeys } from '../l2/keys';
import type { LoadedSet, LoadRequest, PermissionSetSource } from '../source/types';

interface Flight {
  readonly promise: Promise<LoadedSet | Error>;
  /** Set once the store query was sent; unfenced requests may no longer join. */
  dispatched: boolean;
  /** The answer, once it arrived (kept for `retainMs`). */
  result?: LoadedSet;
}

/**
 * Single flight in front of the store: concurrent requests in this process that miss
 * the same subject share one load, and the misses of all requests that arrive in the
 * same turn of the event loop go to the store in one call (one SQL statement).
 *
 * Joining is only safe when the shared load cannot predate something the joiner must
 * see. A load is keyed by subject and fence (the L2 versions read before the load):
 * equal fences mean the running load read its versions, and so PostgreSQL, after the
 * last invalidation the joiner saw. Requests without a fence (L2 disabled or failing)
 * join only loads that have not been sent yet, and so do `fresh` ones (they must read
 * PostgreSQL themselves). A request with `minRevision` does not take a finished result
 * older than that revision.
 *
 * A fenced result is kept for `retainMs` after it arrives: a request that read L2 just
 * before the result was written there would otherwise miss and load again. Reusing it is
 * as safe as the L2 hit it stands in for, since the fence is the same. Errors are
 * never kept.
 */
export class SingleFlight implements PermissionSetSource {
  private readonly flights = new Map<string, Flight>();
  private pending: Array<{ request: LoadRequest; resolve: (r: LoadedSet | Error) => void; flight: Flight; id: string }> = [];
  private scheduled = false;

  constructor(
    private readonly next: PermissionSetSource,
    private readonly keys: CacheKeys,
    private readonly options: { retainMs?: number } = {},
  ) {}

  load(requests: readonly LoadRequest[]): Promise<Array<LoadedSet | Error>> {
    return Promise.all(requests.map((request) => this.join(request)));
  }

  /** Loads in flight or queued: for tests and metrics. */
  get size(): number {
    return this.flights.size;
  }

  private join(request: LoadRequest): Promise<LoadedSet | Error> {
    // JSON keeps subject and fence apart whatever characters either holds.
    const id = JSON.stringify([this.keys.subjectId(request), request.fence ?? null]);
    const existing = this.flights.get(id);
    if (existing && this.mayJoin(request, existing)) return existing.promise;

    let resolve!: (r: LoadedSet | Error) => void;
    const flight: Flight = { promise: new Promise((r) => (resolve = r)), dispatched: false };
    this.flights.set(id, flight);
    this.pending.push({ request, resolve, flight, id });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.dispatch());
    }
    return flight.promise;
  }

  private mayJoin(request: LoadRequest, flight: Flight): boolean {
    if (!flight.dispatched) return true;
    if (request.fence === undefined || request.fresh) return false;
    return !(request.minRevision !== undefined && flight.result && flight.result.revision < request.minRevision);
  }

  private async dispatch(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    for (const item of batch) item.flight.dispatched = true;
    let results: Array<LoadedSet | Error>;
    try {
      results = await this.next.load(batch.map((b) => b.request));
      if (results.length !== batch.length) {
        throw new Error(`the store returned ${results.length} results for ${batch.length} subjects`);
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      results = batch.map(() => failure);
    }
    const retainMs = this.options.retainMs ?? 0;
    batch.forEach((item, i) => {
      const result = results[i]!;
      if (!(result instanceof Error)) item.flight.result = result;
      item.resolve(result);
      if (item.request.fence !== undefined && retainMs > 0 && !(result instanceof Error)) {
        setTimeout(() => this.forget(item), retainMs).unref();
      } else {
        this.forget(item);
      }
    });
  }

  private forget(item: { id: string; flight: Flight }): void {
    if (this.flights.get(item.id) === item.flight) this.flights.delete(item.id);
  }
}
