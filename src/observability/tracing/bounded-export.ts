import { type Context, TraceFlags } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Told how many spans were dropped, and why; for a batch the collector did not take, what the exporter said (exportFailure). */
export type OnDropped = (count: number, reason: 'queue_full' | 'export_failed', cause?: string) => void;

/** The longest cause passed on: an answer's status line and an error's message fit; a long body does not come along. */
const MAX_CAUSE_LENGTH = 300;

/**
 * What the OTLP exporter said about a batch it could not send, for operators: the
 * collector's HTTP status (OTLPExporterError's numeric `code`) and message, or the
 * network error's message (`connect ECONNREFUSED ...`, `Request timed out`). The
 * answer's body is left out, and so is any user and password in a URL.
 */
export function exportFailure(error: Error | undefined): string {
  if (!error) return 'the exporter gave no reason';
  const code = (error as { code?: unknown }).code;
  const said = typeof code === 'number' ? `HTTP ${code}${error.message ? ` ${error.message}` : ''}` : error.message || error.name;
  return said.replace(/\/\/[^/@\s]*@/g, '//***@').slice(0, MAX_CAUSE_LENGTH);
}

/**
 * A span processor in front of a batch processor that bounds the spans waiting for
 * export and counts every span that never reaches the collector: ended sampled spans
 * beyond `maxQueueSize` still waiting are dropped here (`queue_full`), and spans of a
 * batch the exporter failed to send are counted as `export_failed`. It runs in the
 * export worker: `onEnd` only appends to the batch processor's queue, whose exports run
 * on its timer, so taking a trace never waits for the collector.
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
          else onDropped(count, 'export_failed', exportFailure(result.error));
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
