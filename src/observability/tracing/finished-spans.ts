import { type Attributes, type AttributeValue, createTraceState, type HrTime, type Link, type SpanContext, type SpanKind, type SpanStatus, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
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
  return new FinishedSpan(recorded, context, parent, startTime, endTime, duration, attributes, droppedAttributesCount, eventsKept ? events : NO_EVENTS, eventsKept ? 0 : events.length, origin);
}

/**
 * An ended span as the SDK's processors and exporters read it. A class, so that each
 * span is one object: its context is a field and `spanContext` a method they share,
 * not a closure per span.
 */
class FinishedSpan implements ReadableSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly status: SpanStatus;
  readonly links: Link[] = NO_LINKS;
  readonly ended = true;
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  readonly droppedLinksCount = 0;

  constructor(
    recorded: SpanWire,
    private readonly context: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    readonly startTime: HrTime,
    readonly endTime: HrTime,
    readonly duration: HrTime,
    readonly attributes: Attributes,
    readonly droppedAttributesCount: number,
    readonly events: TimedEvent[],
    readonly droppedEventsCount: number,
    origin: SpanOrigin,
  ) {
    this.name = recorded.name;
    this.kind = recorded.kind;
    this.status = recorded.failed ? ERROR : UNSET;
    this.resource = origin.resource;
    this.instrumentationScope = origin.scope;
  }

  spanContext(): SpanContext {
    return this.context;
  }
}

const NO_EVENTS = Object.freeze([]) as unknown as TimedEvent[];
const NO_LINKS = Object.freeze([]) as unknown as Link[];
const NO_ATTRIBUTES: Attributes = Object.freeze({});

/**
 * Attributes as the SDK's span keeps them: invalid keys and values and null skipped,
 * at most `count` (the rest counted as dropped), strings cut to `length`. The given
 * object itself when it already is so (a finished span's attributes are read, never
 * changed), else a new one.
 */
function limited(attributes: Attributes | undefined, count: number, length: number): [Attributes, number] {
  if (attributes === undefined) return [NO_ATTRIBUTES, 0];
  const cutAt = length > 0 && length < Infinity ? length : 0;
  if (keptAsIs(attributes, count, cutAt)) return [attributes, 0];
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
    kept[key] = cutAt ? truncated(value, cutAt) : value;
    size++;
  }
  return [kept, dropped];
}

/** Whether the SDK's span would keep `attributes` unchanged (`cutAt`: the string length limit, 0 for none). */
function keptAsIs(attributes: Attributes, count: number, cutAt: number): boolean {
  let size = 0;
  for (const key in attributes) {
    const value = attributes[key];
    if (key.length === 0 || value == null || !isAttributeValue(value) || ++size > count) return false;
    if (cutAt && longer(value, cutAt)) return false;
  }
  return true;
}

/** Whether `value` is, or holds, a string longer than `length`. */
function longer(value: AttributeValue, length: number): boolean {
  if (typeof value === 'string') return value.length > length;
  return Array.isArray(value) && value.some((v: unknown) => typeof v === 'string' && v.length > length);
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
