import type { LoadedSet, LoadRequest, PermissionSetSource } from '../../src/source/types';
import { deferred } from './deferred';

type Result = LoadedSet | Error;

/** A set that names its subject (`roles: ['alice@acme']`), so a misrouted answer is visible. */
export const namedSet = (request: LoadRequest, revision = 1): LoadedSet => ({
  snapshot: { member: true, roles: [`${request.userId}@${request.orgId}`], rolePatterns: [], grants: [] },
  status: 'MISS',
  revision,
});

/**
 * The one hand-written next layer for unit tests of the decision chain (a named fake:
 * it stands for PostgreSQL or for the layer below the one under test).
 *
 * - every call is recorded in `calls` (a copy of its requests);
 * - `answer` gives each request's result, by call number (default: `namedSet` at
 *   `revision`, read when the call is answered); `respond` answers a whole call and may
 *   be replaced for faults (a rejected promise, a result of the wrong length);
 * - `called()` resolves on the next call; `hold()` makes calls wait until released.
 */
export class FakeSource implements PermissionSetSource {
  readonly calls: LoadRequest[][] = [];
  revision = 1;
  answer: (request: LoadRequest, call: number) => Result = (request) => namedSet(request, this.revision);
  respond: (requests: readonly LoadRequest[], call: number) => Promise<Result[]> = async (requests, call) => requests.map((r) => this.answer(r, call));
  private gate: Promise<void> | null = null;
  private waiters: Array<() => void> = [];

  async load(requests: readonly LoadRequest[]): Promise<Result[]> {
    const call = this.calls.push([...requests]) - 1;
    for (const wake of this.waiters.splice(0)) wake();
    if (this.gate) await this.gate;
    return this.respond(requests, call);
  }

  /** How many calls reached this layer. */
  get loads(): number {
    return this.calls.length;
  }

  /** Resolves when the next call arrives. */
  called(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Calls from now on wait until the returned function is called. */
  hold(): () => void {
    const gate = deferred();
    this.gate = gate.promise;
    return () => {
      if (this.gate === gate.promise) this.gate = null;
      gate.resolve();
    };
  }
}
