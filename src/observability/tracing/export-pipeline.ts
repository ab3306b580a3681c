import { OTLPTraceExporter as OTLPJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '../../config/tracing-config';
import { BoundedExport, type OnDropped } from './bounded-export';
import { type SpanOrigin, spanOrigin } from './finished-spans';

/** Bounds of the export queue: spans waiting beyond it are dropped and counted, never waited for. */
export const MAX_QUEUE_SIZE = 8192;
const MAX_EXPORT_BATCH_SIZE = 2048;
const SCHEDULED_DELAY_MS = 1000;
export const EXPORT_TIMEOUT_MS = 10_000;
/**
 * The batch processor's own bound on an export: longer than the exporter's, so a
 * collector that never answers is the exporter's failure, reported (and its spans
 * counted), before the processor gives up on the batch.
 */
const BATCH_TIMEOUT_MS = EXPORT_TIMEOUT_MS + 1_000;

/** The SDK side of tracing, as the export worker runs it. */
export interface ExportPipeline {
  /** The resource, scope and span IDs of the spans handed to `export`. */
  readonly origin: SpanOrigin;
  /** Queues a finished span for export (or drops and counts it: never waits). */
  export(span: ReadableSpan): void;
  /** Exports what is queued (bounded by the export timeout) and stops. */
  shutdown(): Promise<void>;
}

/**
 * The configured resource, and an OTLP/HTTP exporter (protobuf or JSON) behind a
 * bounded batch processor, all the SDK's. No tracer provider: the spans arrive sampled
 * and ended (finished-spans.ts), and nothing is registered globally.
 */
export function exportPipeline(config: TracingConfig, onDropped: OnDropped, onExported: (count: number) => void): ExportPipeline {
  const exporter = config.protocol === 'http/json' ? new OTLPJsonExporter({ url: config.url, timeoutMillis: EXPORT_TIMEOUT_MS }) : new OTLPProtoExporter({ url: config.url, timeoutMillis: EXPORT_TIMEOUT_MS });
  const batch = (e: ConstructorParameters<typeof BatchSpanProcessor>[0]) =>
    new BatchSpanProcessor(e, { maxQueueSize: MAX_QUEUE_SIZE, maxExportBatchSize: MAX_EXPORT_BATCH_SIZE, scheduledDelayMillis: SCHEDULED_DELAY_MS, exportTimeoutMillis: BATCH_TIMEOUT_MS });
  const processor = new BoundedExport(exporter, batch, MAX_QUEUE_SIZE, onDropped, onExported);
  return {
    origin: spanOrigin(resourceFromAttributes({ ...config.resourceAttributes, [ATTR_SERVICE_NAME]: config.serviceName }), 'authz-gateway'),
    export: (span) => processor.onEnd(span),
    shutdown: () => processor.shutdown(),
  };
}
