import { type Attributes, type AttributeValue, createTraceState, type SpanContext, type SpanStatus, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { getNumberFromEnv, hrTimeDuration, type InstrumentationScope, isAttributeValue, millisToHrTime } from '@opentelemetry/core';
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
  readonly limits: SpanLimits;
}

/** The SDK's span limits, from its environment variables, with its defaults. */
export interface SpanLimits {
  readonly attributeCount: number;
  /** Longest string attribute value (and string in an array value); Infinity: no limit. */
  readonly valueLength: number;
  readonly eventCount: number;
  readonly attributesPerEvent: number;
}

const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });
const ERROR: SpanStatus = Object.freeze({ code: SpanStatusCode.ERROR });

export function spanOrigin(resource: Resource, scopeName: string): SpanOrigin {
  return { resource, scope: { name: scopeName }, ids: new RandomIdGenerator(), limits: spanLimitsFromEnv() };
}

/** As the SDK's tracer provider reads them: the span-specific variable, else the general one, else the default. */
function spanLimitsFromEnv(): SpanLimits {
  return {
    attributeCount: getNumberFromEnv('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT') ?? getNumberFromEnv('OTEL_ATTRIBUTE_COUNT_LIMIT') ?? 128,
    valueLength: getNumberFromEnv('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT') ?? getNumberFromEnv('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT') ?? Infinity,
    eventCount: getNumberFromEnv('OTEL_SPAN_EVENT_COUNT_LIMIT') ?? 128,
    attributesPerEvent: getNumberFromEnv('OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT') ?? 128,
  };
}

/**
 * A recorded trace (already sampled, ended and parented on the request thread) as the
 * SDK's finished spans, the `ReadableSpan`s its span processors and exporters take:
 * what the SDK's own tracer would hand them for the same spans (same IDs, parents,
 * trace state, times, attributes within the span limits, status and `exception`
 * event), without building live `Span` objects only to end them at once. The root
 * takes the request's trace ID and, when the request continued a `traceparent`, the
 * caller's span as its remote parent; the test holds the two outputs equal.
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
  const limits = origin.limits;
  const [attributes, droppedAttributesCount] = limited(allAttributes(recorded), limits.attributeCount, limits.valueLength);
  const events = recorded.error ? exceptionEvents(recorded.error, recordedEnd, limits) : NO_EVENTS;
  // As the SDK's span: past the limit an event is dropped and counted (one at most here).
  const eventsKept = events.length <= limits.eventCount;
  return {
    name: recorded.name,
    kind: recorded.kind,
    spanContext: () => context,
    parentSpanContext: parent,
    startTime,
    endTime,
    duration,
    status: recorded.failed ? ERROR : UNSET,
    attributes,
    links: [],
    events: eventsKept ? events : NO_EVENTS,
    ended: true,
    resource: origin.resource,
    instrumentationScope: origin.scope,
    droppedAttributesCount,
    droppedEventsCount: eventsKept ? 0 : events.length,
    droppedLinksCount: 0,
  };
}

const NO_EVENTS: TimedEvent[] = [];

/**
 * Attributes as the SDK's span keeps them: invalid keys and values and null skipped,
 * at most `count` (the rest counted as dropped), strings cut to `length`. A fresh
 * object: the recorded one may be shared.
 */
function limited(attributes: Attributes | undefined, count: number, length: number): [Attributes, number] {
  const kept: Attributes = {};
  let size = 0;
  let dropped = 0;
  for (const key in attributes) {
    const value = attributes[key];
    if (key.length === 0 || value == null || !isAttributeValue(value)) continue;
    if (size >= count) {
      dropped++;
      continue;
    }
    kept[key] = length > 0 && length < Infinity ? truncated(value, length) : value;
    size++;
  }
  return [kept, dropped];
}

function truncated(value: AttributeValue, length: number): AttributeValue {
  if (typeof value === 'string') return value.length > length ? value.substring(0, length) : value;
  if (Array.isArray(value)) return value.map((v: unknown) => (typeof v === 'string' && v.length > length ? v.substring(0, length) : v)) as AttributeValue;
  return value;
}

/**
 * The `exception` event of the semantic conventions, as the SDK's `recordException`
 * makes it: type (the error's code if any, else its name), message and stack when
 * present, within the span limits; none when the error has neither a type nor a
 * message.
 */
function exceptionEvents(error: NonNullable<SpanWire['error']>, time: TimedEvent['time'], limits: SpanLimits): TimedEvent[] {
  const raw: Attributes = {};
  const type = error.code || error.name;
  if (type) raw[ATTR_EXCEPTION_TYPE] = type;
  if (error.message) raw[ATTR_EXCEPTION_MESSAGE] = error.message;
  if (error.stack) raw[ATTR_EXCEPTION_STACKTRACE] = error.stack;
  if (!type && !error.message) return NO_EVENTS;
  const [attributes, droppedAttributesCount] = limited(raw, limits.attributesPerEvent, limits.valueLength);
  return [{ name: 'exception', attributes, time, droppedAttributesCount }];
}
