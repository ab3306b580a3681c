import type { Logger } from '../logger';

/** At most one line per this long while the collector keeps refusing batches. */
export const EXPORT_FAILURE_LOG_EVERY_MS = 60_000;

/**
 * Tells operators why spans are not reaching the collector (a wrong endpoint or token,
 * a collector down), which the dropped-spans counter alone cannot: the first batch
 * the collector did not take is logged at once (warn, `authz_trace_export_error`,
 * with the exporter's reason), then at most one line a minute for as long as batches
 * keep failing, each with the spans of refused batches since the line before; the
 * first batch taken after that is logged too (info, `authz_trace_export_recovered`,
 * with those not logged yet). A collector that is down fails every batch: this keeps
 * the log readable.
 */
export class ExportFailureLog {
  private failing = false;
  private loggedAt = 0;
  private droppedSince = 0;

  constructor(
    private readonly logger: Logger,
    /** A monotonic clock, milliseconds (a test's own, to pass a minute without waiting one). */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** `count` spans of a batch the collector did not take, for `cause` (describeExportFailure). */
  failed(count: number, cause: string): void {
    this.droppedSince += count;
    const now = this.now();
    if (this.failing && now - this.loggedAt < EXPORT_FAILURE_LOG_EVERY_MS) return;
    this.logger.warn(
      { event: 'authz_trace_export_error', cause, spansDropped: this.droppedSince },
      'spans not exported: the collector did not take a batch (counted in authz_trace_spans_dropped_total; logged at most once a minute)',
    );
    this.failing = true;
    this.loggedAt = now;
    this.droppedSince = 0;
  }

  /** The collector took a batch: after failures, says so, and the next failure is logged at once. */
  exported(): void {
    if (!this.failing) return;
    this.logger.info({ event: 'authz_trace_export_recovered', spansDropped: this.droppedSince }, 'spans reach the collector again');
    this.failing = false;
    this.droppedSince = 0;
  }
}
