import { StoreUnavailableError } from '../authz/errors';
import { DeadlineExceededError, withDeadline } from '../lib/with-deadline';
import type { LoadedSet, LoadRequest, PermissionSetSource } from '../source/types';

/**
 * One request's deadline (AUTHZ_REQUEST_TIMEOUT_MS) over the whole L2 -> store chain.
 * Built per request, with the deadline fixed when the request starts: every load races
 * the time left. Past it the load fails with StoreUnavailableError (AUTHZ_UNAVAILABLE,
 * 503): no decision, nothing cached (L1 drops failed keys; single flight keeps no
 * errors). The abandoned load may still finish and fill L2, which is as safe as any
 * fenced write.
 */
export class RequestDeadlineSource implements PermissionSetSource {
  private readonly deadline: number;

  constructor(
    private readonly next: PermissionSetSource,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.deadline = now() + timeoutMs;
  }

  async load(requests: readonly LoadRequest[]): Promise<Array<LoadedSet | Error>> {
    const left = this.deadline - this.now();
    if (left <= 0) throw this.exceeded();
    try {
      return await withDeadline(this.next.load(requests), left, 'authorization request');
    } catch (error) {
      throw error instanceof DeadlineExceededError ? this.exceeded() : error;
    }
  }

  private exceeded(): StoreUnavailableError {
    return new StoreUnavailableError(`no answer within AUTHZ_REQUEST_TIMEOUT_MS (${this.timeoutMs} ms)`);
  }
}
