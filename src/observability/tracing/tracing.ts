import { AsyncLocalStorage } from 'node:async_hooks';
import { type Attributes, defaultTextMapGetter, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
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

/** Bounds of the export queue: spans waiting beyond it are dropped and counted, never waited for. */
const MAX_QUEUE_SIZE = 2048;
const MAX_EXPORT_BATCH_SIZE = 512;
const SCHEDULED_DELAY_MS = 1000;
const EXPORT_TIMEOUT_MS = 10_000;

/**
 * OpenTelemetry traces of one gateway: a tracer provider of its own (nothing is
 * registered globally), an OTLP/HTTP exporter (protobuf or JSON) behind a bounded
 * batch processor, and the request's current span carried across awaits in an
 * AsyncLocalStorage of its own. Layers open child spans only while a sampled span is
 * current: an unsampled request creates no span objects below its root.
 */
export class Tracing {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;
  private readonly propagator = new W3CTraceContextPropagator();
  private readonly current = new AsyncLocalStorage<Span>();
  private sampledInFlight = 0;

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
   * when not sampled; then it records nothing.
   */
  startRequest(name: string, headers: Record<string, string | string[] | undefined>, attributes: Attributes): Span {
    const parent = headers.traceparent ? this.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter) : ROOT_CONTEXT;
    return this.tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  }

  /**
   * Runs a request's handling with its span current. Only sampled spans are made
   * current, so nothing below an unsampled one is traced. While no sampled request is
   * in flight the AsyncLocalStorage is disabled: an enabled one makes Node run an
   * async hook for every promise of every request, sampled or not.
   */
  run<T>(span: Span, fn: () => Promise<T>): Promise<T> {
    return span.isRecording() ? this.runSampled(span, fn) : fn();
  }

  private async runSampled<T>(span: Span, fn: () => Promise<T>): Promise<T> {
    this.sampledInFlight++;
    try {
      return await this.current.run(span, fn);
    } finally {
      if (--this.sampledInFlight === 0) this.current.disable();
    }
  }

  /** The current request's span, if it is being recorded. */
  active(): Span | undefined {
    return this.current.getStore();
  }

  /**
   * `fn` inside a child span of the current one; without a current (sampled) span,
   * just `fn`. `describe` may add attributes from the result. A thrown error marks
   * the span as failed and is rethrown.
   */
  inSpan<T>(name: string, kind: SpanKind, attributes: Attributes, fn: () => Promise<T>, describe?: (result: T) => Attributes): Promise<T> {
    const parent = this.current.getStore();
    // Not async itself: without a sampled parent, no promise or span is added.
    return parent ? this.child(parent, name, kind, attributes, fn, describe) : fn();
  }

  private async child<T>(parent: Span, name: string, kind: SpanKind, attributes: Attributes, fn: () => Promise<T>, describe?: (result: T) => Attributes): Promise<T> {
    const span = this.tracer.startSpan(name, { kind, attributes }, trace.setSpan(ROOT_CONTEXT, parent));
    try {
      const result = await this.current.run(span, fn);
      if (describe) span.setAttributes(describe(result));
      return result;
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  }

  /** Exports what is queued (bounded by the export timeout) and stops. */
  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
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
