import { DeadlineExceededError } from '../lib/with-deadline';
import type { GatewayMetrics } from '../observability/metrics';
import type { L2Client, L2Write } from './types';
import type { VersionWrite } from './version-writes';

type Operation = 'get_many' | 'set_many' | 'write_versions';

/**
 * L2 metrics as a decorator, so the cache logic stays free of instrumentation: each
 * `getMany`, `setMany` and `writeVersions` that reaches it is timed in
 * `authz_l2_operation_duration_seconds{operation}` until it settles; a rejection counts
 * in `authz_l2_errors_total{operation,reason}`, with `reason="timeout"` when the
 * deadline beneath it (bounded.ts) fired and `reason="error"` otherwise. It sits beneath
 * the read coalescing (composition/l2-clients.ts), so it counts calls as sent to Redis: one
 * `get_many` per coalesced MGET, whatever the number of requests in it.
 */
export class MeteredL2Client implements L2Client {
  private readonly timers: Record<Operation, { startTimer(): () => void }>;

  constructor(
    private readonly next: L2Client,
    private readonly metrics: Pick<GatewayMetrics, 'l2Duration' | 'l2Errors'>,
  ) {
    // Label-bound children, looked up once rather than per call.
    const timer = (operation: Operation) => metrics.l2Duration.labels({ operation });
    this.timers = { get_many: timer('get_many'), set_many: timer('set_many'), write_versions: timer('write_versions') };
  }

  getMany(keys: readonly string[]): Promise<unknown[]> {
    return this.measure('get_many', this.next.getMany(keys));
  }

  setMany(entries: readonly L2Write[]): Promise<void> {
    return this.measure('set_many', this.next.setMany(entries));
  }

  writeVersions(writes: readonly VersionWrite[]): Promise<Array<string | null>> {
    return this.measure('write_versions', this.next.writeVersions(writes));
  }

  ping(): Promise<void> {
    return this.next.ping();
  }

  close(): Promise<void> {
    return this.next.close();
  }

  private measure<T>(operation: Operation, call: Promise<T>): Promise<T> {
    const stop = this.timers[operation].startTimer();
    return call.then(
      (result) => {
        stop();
        return result;
      },
      (error: unknown) => {
        stop();
        this.metrics.l2Errors.inc({ operation, reason: error instanceof DeadlineExceededError ? 'timeout' : 'error' });
        throw error;
      },
    );
  }
}
