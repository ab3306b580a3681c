import { type Attributes, defaultTextMapGetter, ROOT_CONTEXT, SamplingDecision, SpanKind, type SpanContext, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, type Sampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { TracingConfig } from '../../config/tracing-config';
import { newTraceId } from '../trace-id';
import type { OnDropped } from './bounded-export';
import { LoadParents } from './load-parents';
import { type RecordedSpan, TraceRecord } from './recorded-span';
import type { RemoteParent } from './trace-wire';
import { SpanExport } from './span-export';

const NO_ATTRIBUTES: Attributes = Object.freeze({});

/** A request's trace ID, and its trace when sampled. */
export interface RequestTraceStart {
  readonly traceId: string;
  /** The trace of a sampled request, whose root span (kind SERVER) is open; undefined when not sampled. */
  readonly trace: TraceRecord | undefined;
}

/**
 * OpenTelemetry traces of one gateway, split in two. On the request thread: the
 * configured SDK sampler decides once per request, at its root (continuing a W3C
 * `traceparent`), and a sampled request records its spans as plain data
 * (recorded-span.ts), parented explicitly through the request's own objects
 * (request-trace.ts): no async context, no SDK span, no OTLP serialization there. In a
 * worker thread (span-export.ts): they become the SDK's finished spans, exported by its
 * batch processor over OTLP/HTTP behind a bounded queue. An unsampled request costs a
 * sampler call.
 */
export class Tracing {
  private readonly sampler: Sampler;
  private readonly propagator = new W3CTraceContextPropagator();
  private readonly export: SpanExport;
  /** The parents of the shared data layers' spans (L2 read, store load). */
  readonly loads = new LoadParents<RecordedSpan>();
  private readonly finished = (trace: TraceRecord) => this.export.add(trace);

  /** `onDropped`, `onError` and `onExported`: as SpanExport tells them. */
  constructor(config: TracingConfig, onDropped: OnDropped, onError: (error: Error) => void, onExported?: (count: number) => void) {
    this.sampler = sampler(config);
    this.export = new SpanExport(config, onDropped, onError, onExported);
  }

  /**
   * The trace of an incoming request named `name`: the trace of its `traceparent`
   * when it has a valid one, else a new trace (with `newId` when given: a random trace
   * ID already drawn for this request, see trace-id.ts), and its root span, with
   * `attributes` (kept as given), when the sampler samples it.
   */
  startRequest(name: string, headers: Record<string, string | string[] | undefined>, newId?: string, attributes?: Attributes): RequestTraceStart {
    const parent = headers.traceparent ? this.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter) : ROOT_CONTEXT;
    const found = trace.getSpanContext(parent);
    const remote = found && trace.isSpanContextValid(found) ? found : undefined;
    const traceId = remote ? remote.traceId : (newId ?? newTraceId());
    const decision = this.sampler.shouldSample(parent, traceId, name, SpanKind.SERVER, NO_ATTRIBUTES, []).decision;
    if (decision !== SamplingDecision.RECORD_AND_SAMPLED) return { traceId, trace: undefined };
    return { traceId, trace: new TraceRecord(traceId, remote && remoteParent(remote), name, this.finished, attributes) };
  }

  /** Exports what is recorded and queued (within 7 s: what is left then is counted as dropped) and stops. */
  shutdown(): Promise<void> {
    return this.export.shutdown();
  }
}

function remoteParent(remote: SpanContext): RemoteParent {
  const traceState = remote.traceState?.serialize();
  return { spanId: remote.spanId, traceFlags: remote.traceFlags, ...(traceState ? { traceState } : {}) };
}

/**
 * Runs `fn` inside a child span of `parent` that has no children of its own. `describe`
 * may add attributes from the result. A thrown error marks the span as failed and is
 * rethrown.
 */
export function inSpan<T>(parent: RecordedSpan, name: string, kind: SpanKind, attributes: Attributes, fn: () => Promise<T>, describe?: (result: T) => Attributes): Promise<T> {
  const span = parent.child(name, kind, attributes);
  let running: Promise<T>;
  try {
    running = fn();
  } catch (error) {
    running = Promise.reject(error);
  }
  return endWhenSettled(span, running, describe);
}

/**
 * Ends `span` when `running` settles (after calling `settled`): with attributes from
 * `describe` on success, marked as failed (and rethrown) on error. No async function:
 * one reaction, no extra await.
 */
export function endWhenSettled<T>(span: RecordedSpan, running: Promise<T>, describe?: (result: T) => Attributes, settled?: () => void): Promise<T> {
  return running.then(
    (result) => {
      settled?.();
      if (describe) span.setAttributes(describe(result));
      span.end();
      return result;
    },
    (error: unknown) => {
      settled?.();
      span.fail(error);
      span.end();
      throw error;
    },
  );
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
