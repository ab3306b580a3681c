import { withDeadline } from '../lib/with-deadline';
import type { L2Client, L2Write } from './types';
import type { VersionWrite } from './version-writes';

/**
 * The one deadline of every L2 call: `getMany`, `setMany` and `writeVersions` reject with
 * DeadlineExceededError once they outlive `timeoutMs` (a Redis command already written to
 * the socket is not covered by the client's own timeouts, so nothing else bounds it).
 * The decorators above it (metrics, breaker reporting) see the deadline as the call's
 * failure, so there is one timer per call sent, not one per layer. The abandoned call's
 * outcome is ignored. `ping` and `close` pass through: their callers (the breaker's
 * probe, readiness, shutdown) bound them with deadlines of their own.
 */
export class BoundedL2Client implements L2Client {
  constructor(
    private readonly next: L2Client,
    private readonly timeoutMs: number,
  ) {}

  getMany(keys: readonly string[]): Promise<unknown[]> {
    return withDeadline(this.next.getMany(keys), this.timeoutMs, 'L2 getMany');
  }

  setMany(entries: readonly L2Write[]): Promise<void> {
    return withDeadline(this.next.setMany(entries), this.timeoutMs, 'L2 setMany');
  }

  writeVersions(writes: readonly VersionWrite[]): Promise<Array<string | null>> {
    return withDeadline(this.next.writeVersions(writes), this.timeoutMs, 'L2 writeVersions');
  }

  ping(): Promise<void> {
    return this.next.ping();
  }

  close(): Promise<void> {
    return this.next.close();
  }
}
