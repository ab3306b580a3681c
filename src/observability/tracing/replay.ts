import { type Context, createTraceState, ROOT_CONTEXT, type Span, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { type IdGenerator, RandomIdGenerator } from '@opentelemetry/sdk-trace-base';
import { allAttributes, type TraceWire } from './trace-wire';

/**
 * The export worker's ID generator: span IDs are random, and the trace ID of a new
 * trace's root is the one the gateway gave the request (preset just before the root is
 * started), so the exported trace is the one named in its response and log line.
 */
export class PresetTraceIds implements IdGenerator {
  private next: string | undefined;
  private readonly random = new RandomIdGenerator();

  preset(traceId: string): void {
    this.next = traceId;
  }

  generateTraceId(): string {
    const id = this.next ?? this.random.generateTraceId();
    this.next = undefined;
    return id;
  }

  generateSpanId(): string {
    return this.random.generateSpanId();
  }
}

/**
 * Turns one recorded trace into SDK spans of `tracer` (whose sampler samples everything:
 * the gateway sampled the request already) with their recorded names, kinds, times,
 * attributes and outcomes, parented as recorded, and ends them, which hands them to the
 * tracer's span processors.
 */
export function replayTrace(tracer: Tracer, ids: PresetTraceIds, wire: TraceWire): void {
  const spans: Span[] = [];
  for (const recorded of wire.spans) {
    const parent = recorded.parent >= 0 ? trace.setSpan(ROOT_CONTEXT, spans[recorded.parent]!) : rootParent(ids, wire);
    spans.push(tracer.startSpan(recorded.name, { kind: recorded.kind, startTime: recorded.start, attributes: allAttributes(recorded) }, parent));
  }
  wire.spans.forEach((recorded, i) => {
    const span = spans[i]!;
    if (recorded.error) span.recordException(recorded.error, recorded.end);
    if (recorded.failed) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(recorded.end);
  });
}

/** The root's parent: the caller's remote span, or none (then the root takes the request's trace ID). */
function rootParent(ids: PresetTraceIds, wire: TraceWire): Context {
  const remote = wire.remoteParent;
  if (!remote) {
    ids.preset(wire.traceId);
    return ROOT_CONTEXT;
  }
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: wire.traceId,
    spanId: remote.spanId,
    traceFlags: remote.traceFlags,
    isRemote: true,
    ...(remote.traceState ? { traceState: createTraceState(remote.traceState) } : {}),
  });
}
