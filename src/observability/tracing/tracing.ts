import { type Attributes, type Context, defaultTextMapGetter, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OTLPJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '../../config/tracing-config';
import { BoundedExport, type OnDropped } from './bounded-export';
import { LoadParents } from './load-parents';

/** Bounds of the export queue: spans waiting beyond it are dropped and counted, never waited for. */
const MAX_QUEUE_SIZE = 2048;
const MAX_EXPORT_BATCH_SIZE = 512;
const SCHEDULED_DELAY_MS = 1000;
const EXPORT_TIMEOUT_MS = 10_000;
const SERVER = { kind: SpanKind.SERVER };

/**
 * OpenTelemetry traces of one gateway: a tracer provider of its own (nothing is
 * registered globally, no context manager: no async hook ever runs), an OTLP/HTTP
 * exporter (protobuf or JSON) behind a bounded batch processor. Spans are opened with
 * an explicit parent, which the request carries (request-trace.ts): sampling is decided
 * once, at the request's root span, and an unsampled request creates no span below it.
 */
export class Tracing {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;
  private readonly propagator = new W3CTraceContextPropagator();
  /** The parents of the shared data layers' spans (L2 read, store load). */
  readonly loads = new LoadParents();

  constructor(config: TracingConfig, onDropped: OnDropped) {
    const exporter = config.protocol === 'http/json' ? new OTLPJsonExporter({ url: config.url, timeoutMillis: EXPORT_TIMEOUT_MS }) : new OTLPProtoExporter({ url: config.url, timeoutMillis: EXPORT_TIMEOUT_MS });
    const batch = (e: ConstructorParameters<typeof BatchSpanProcessor>[0]) =>
      new BatchSpanProcessor(e, { maxQueueSize: MAX_QUEUE_SIZE, maxExportBatchSize: MAX_EXPORT_BATCH_SIZE, scheduledDelayMillis: SCHEDULED_DELAY_MS, exportTimeoutMillis: EXPORT_TIMEOUT_MS });
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ ...config.resourceAttributes, [ATTR_SERVICE_NAME]: config.serviceName }),
      sampler: sampler(config),
      spanProcessors: [new BoundedExport(exporter, batch, MAX_QUEUE_SIZE, onDropped)],
    });
    this.tracer = this.provider.getTracer('authz-gateway');
  }

  /**
   * The root span of an incoming request (kind SERVER), continuing the W3C
   * `traceparent` of `headers` when there is one. It exists (and has a trace ID) even
   * when not sampled; then it records nothing. Its attributes are set once it is known
   * to record (no sampler here reads them).
   */
  startRequest(name: string, headers: Record<string, string | string[] | undefined>): Span {
    const parent = headers.traceparent ? this.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter) : ROOT_CONTEXT;
    return this.tracer.startSpan(name, SERVER, parent);
  }

  /** A child span of `parent` (a context holding a recording span), started now. */
  startChild(parent: Context, name: string, kind: SpanKind, attributes: Attributes): Span {
    return this.tracer.startSpan(name, { kind, attributes }, parent);
  }

  /**
   * `fn` inside a child span of `parent` that has no children of its own. `describe`
   * may add attributes from the result. A thrown error marks the span as failed and is
   * rethrown.
   */
  inSpan<T>(parent: Context, name: string, kind: SpanKind, attributes: Attributes, fn: () => Promise<T>, describe?: (result: T) => Attributes): Promise<T> {
    const span = this.startChild(parent, name, kind, attributes);
    let running: Promise<T>;
    try {
      running = fn();
    } catch (error) {
      running = Promise.reject(error);
    }
    return endWhenSettled(span, running, describe);
  }

  /** Exports what is queued (bounded by the export timeout) and stops. */
  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

/**
 * Ends `span` when `running` settles (after calling `settled`): with attributes from
 * `describe` on success, marked as failed (and rethrown) on error. No async function:
 * one reaction, no extra await.
 */
export function endWhenSettled<T>(span: Span, running: Promise<T>, describe?: (result: T) => Attributes, settled?: () => void): Promise<T> {
  return running.then(
    (result) => {
      settled?.();
      if (describe) span.setAttributes(describe(result));
      span.end();
      return result;
    },
    (error: unknown) => {
      settled?.();
      failed(span, error);
      span.end();
      throw error;
    },
  );
}

/** Marks `span` as failed by `error`. */
function failed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR });
}

function sampler(config: TracingConfig): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
  }
}
