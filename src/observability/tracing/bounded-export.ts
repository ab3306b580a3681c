import { type Context, TraceFlags } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describeExportFailure } from './export-failure';

/** Told how many spans were dropped, and why; for a batch the collector did not take, what the exporter said (describeExportFailure). */
export type OnDropped = (count: number, reason: 'queue_full' | 'export_failed', cause?: string) => void;

/**
 * A span processor in front of a batch processor that bounds the spans waiting for
 * export and counts every span that never reaches the collector: ended sampled spans
 * beyond `maxQueueSize` still waiting are dropped here (`queue_full`), and spans of a
 * batch the exporter failed to send are counted as `export_failed`, with what the
 * exporter said (describeExportFailure). It runs in the export worker: `onEnd` only
 * appends to the batch processor's queue, whose exports run on its timer, so taking a
 * trace never waits for the collector.
 */
export class BoundedExport implements SpanProcessor {
  private waiting = 0;
  private readonly batch: SpanProcessor;

  constructor(
    exporter: SpanExporter,
    makeBatch: (exporter: SpanExporter) => SpanProcessor,
    private readonly maxQueueSize: number,
    private readonly onDropped: OnDropped,
    /** Told how many spans the collector took, batch by batch. */
    private readonly onExported: (count: number) => void,
  ) {
    const counting: SpanExporter = {
      export: (spans, done) => {
        // Only the count outlives the call: the spans are not kept until the answer.
        const count = spans.length;
        this.waiting -= count;
        exporter.export(spans, (result: ExportResult) => {
          if (result.code === ExportResultCode.SUCCESS) this.onExported(count);
          else onDropped(count, 'export_failed', describeExportFailure(result.error));
          done(result);
        });
      },
      shutdown: () => exporter.shutdown(),
      forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
    };
    this.batch = makeBatch(counting);
  }

  onStart(span: Span, parentContext: Context): void {
    this.batch.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.waiting >= this.maxQueueSize) {
      this.onDropped(1, 'queue_full');
      return;
    }
    this.waiting++;
    this.batch.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.batch.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.batch.shutdown();
  }
}
