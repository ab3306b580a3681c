import { type Attributes, createTraceState, type SpanContext, type SpanStatus, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { hrTimeDuration, type InstrumentationScope, millisToHrTime, sanitizeAttributes } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { type IdGenerator, RandomIdGenerator, type ReadableSpan, type TimedEvent } from '@opentelemetry/sdk-trace-base';
import { ATTR_EXCEPTION_MESSAGE, ATTR_EXCEPTION_STACKTRACE, ATTR_EXCEPTION_TYPE } from '@opentelemetry/semantic-conventions';
import { allAttributes, type SpanWire, type TraceWire } from './trace-wire';

/** Where the spans of this process come from: the same resource and scope objects for all (the exporter groups spans by them). */
export interface SpanOrigin {
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  /** Span IDs (random, as the SDK's tracer draws them). */
  readonly ids: IdGenerator;
}

const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });
const ERROR: SpanStatus = Object.freeze({ code: SpanStatusCode.ERROR });

export function spanOrigin(resource: Resource, scopeName: string): SpanOrigin {
  return { resource, scope: { name: scopeName }, ids: new RandomIdGenerator() };
}

/**
 * A recorded trace (already sampled, ended and parented on the request thread) as the
 * SDK's finished spans, the `ReadableSpan`s its span processors and exporters take:
 * what the SDK's own tracer would hand them for the same spans (same IDs, parents,
 * trace state, times, sanitized attributes, status and `exception` event), without
 * building live `Span` objects only to end them at once. The root takes the request's
 * trace ID and, when the request continued a `traceparent`, the caller's span as its
 * remote parent; the test holds the two outputs equal.
 */
export function finishedSpans(wire: TraceWire, origin: SpanOrigin): ReadableSpan[] {
  const remote = wire.remoteParent;
  const traceState = remote?.traceState ? createTraceState(remote.traceState) : undefined;
  const remoteContext: SpanContext | undefined = remote && { traceId: wire.traceId, spanId: remote.spanId, traceFlags: remote.traceFlags, isRemote: true, ...(traceState ? { traceState } : {}) };
  const contexts: SpanContext[] = [];
  const spans: ReadableSpan[] = [];
  for (const recorded of wire.spans) {
    const context: SpanContext = { traceId: wire.traceId, spanId: origin.ids.generateSpanId(), traceFlags: TraceFlags.SAMPLED, traceState };
    contexts.push(context);
    spans.push(finishedSpan(recorded, context, recorded.parent >= 0 ? contexts[recorded.parent] : remoteContext, origin));
  }
  return spans;
}

function finishedSpan(recorded: SpanWire, context: SpanContext, parent: SpanContext | undefined, origin: SpanOrigin): ReadableSpan {
  const startTime = millisToHrTime(recorded.start);
  const recordedEnd = millisToHrTime(recorded.end);
  let endTime = recordedEnd;
  let duration = hrTimeDuration(startTime, endTime);
  // As the SDK does: an end before the start is the start, with no duration.
  if (duration[0] < 0) {
    endTime = startTime;
    duration = [0, 0];
  }
  const attributes = allAttributes(recorded);
  return {
    name: recorded.name,
    kind: recorded.kind,
    spanContext: () => context,
    parentSpanContext: parent,
    startTime,
    endTime,
    duration,
    status: recorded.failed ? ERROR : UNSET,
    attributes: attributes ? sanitizeAttributes(attributes) : {},
    links: [],
    events: recorded.error ? exceptionEvents(recorded.error, recordedEnd) : [],
    ended: true,
    resource: origin.resource,
    instrumentationScope: origin.scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/**
 * The `exception` event of the semantic conventions, as the SDK's `recordException`
 * makes it: type (the error's code if any, else its name), message and stack when
 * present; none when the error has neither a type nor a message.
 */
function exceptionEvents(error: NonNullable<SpanWire['error']>, time: TimedEvent['time']): TimedEvent[] {
  const attributes: Attributes = {};
  const type = error.code || error.name;
  if (type) attributes[ATTR_EXCEPTION_TYPE] = type;
  if (error.message) attributes[ATTR_EXCEPTION_MESSAGE] = error.message;
  if (error.stack) attributes[ATTR_EXCEPTION_STACKTRACE] = error.stack;
  return type || error.message ? [{ name: 'exception', attributes, time, droppedAttributesCount: 0 }] : [];
}
