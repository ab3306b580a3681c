import type { L2Client, L2Write } from './types';
import type { VersionWrite } from './version-writes';

/** What this decorator tells the breaker (src/breaker/circuit-breaker.ts). */
export interface FailureRecorder {
  recordFailure(error: unknown): void;
}

/**
 * Every failed `getMany`, `setMany` or `writeVersions` of the L2 cache reported to the
 * breaker, a missed deadline included (bounded.ts sits beneath it): a silent Redis opens
 * the breaker as fast as a dead one. Only the L2 cache's client has this decorator:
 * invalidation writes go through a client without it (composition/l2-clients.ts), so an open
 * breaker never skips them, and a change always tries to fence Redis.
 */
export class BreakerReportingL2Client implements L2Client {
  constructor(
    private readonly next: L2Client,
    private readonly breaker: FailureRecorder,
  ) {}

  getMany(keys: readonly string[]): Promise<unknown[]> {
    return this.report(this.next.getMany(keys));
  }

  setMany(entries: readonly L2Write[]): Promise<void> {
    return this.report(this.next.setMany(entries));
  }

  writeVersions(writes: readonly VersionWrite[]): Promise<Array<string | null>> {
    return this.report(this.next.writeVersions(writes));
  }

  ping(): Promise<void> {
    return this.next.ping();
  }

  close(): Promise<void> {
    return this.next.close();
  }

  private report<T>(call: Promise<T>): Promise<T> {
    return call.catch((error: unknown) => {
      this.breaker.recordFailure(error);
      throw error;
    });
  }
}
