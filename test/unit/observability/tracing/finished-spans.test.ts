import { type Context, createTraceState, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BasicTracerProvider, type IdGenerator, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { finishedSpans, type SpanOrigin, spanOrigin } from '../../../../src/observability/tracing/finished-spans';
import { allAttributes, type TraceWire } from '../../../../src/observability/tracing/trace-wire';

// finishedSpans turns a recorded trace (plain data) into the SDK's finished spans
// (ReadableSpan), as the export worker hands them to the batch processor. The last
// tests hold them equal to what the SDK's own tracer makes of the same record.

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const RESOURCE = resourceFromAttributes({ 'service.name': 'authz-test' });

let origin: SpanOrigin;
beforeEach(() => {
  origin = spanOrigin(RESOURCE, 'authz-gateway');
});

function finish(wire: TraceWire): ReadableSpan[] {
  return finishedSpans(wire, origin);
}

const byName = (spans: ReadableSpan[], name: string) => spans.find((s) => s.name === name)!;
const ms = (span: ReadableSpan) => ({ start: hrTimeToMilliseconds(span.startTime), end: hrTimeToMilliseconds(span.endTime) });

/** A request with a decision, a load under it, and a failed policy change; times are epoch ms with a fraction. */
function wire(): TraceWire {
  const t = Date.now() - 1000 + 0.25;
  return {
    traceId: TRACE_ID,
    spans: [
      { name: 'query Can', kind: SpanKind.SERVER, parent: -1, start: t, end: t + 50.5, attributes: { 'http.request.method': 'POST', 'http.response.status_code': 200 } },
      { name: 'authz.decision', kind: SpanKind.INTERNAL, parent: 0, start: t + 1.125, end: t + 40.75, attributes: { 'authz.allowed': true, 'authz.permissions': ['a', 'b'] } },
      { name: 'authz.store.load', kind: SpanKind.CLIENT, parent: 1, start: t + 2.5, end: t + 30.375, attributes: { 'db.system': 'postgresql' } },
      { name: 'authz.policy_change', kind: SpanKind.INTERNAL, parent: 0, start: t + 41, end: t + 49, failed: true, error: { name: 'ConflictError', message: 'version moved', stack: 'ConflictError: version moved\n    at here' } },
    ],
  };
}

test('a new trace: the root has exactly the recorded trace ID and no parent; children share it and are parented as recorded', () => {
  const spans = finish(wire());
  expect(spans).toHaveLength(4);
  for (const s of spans) expect(s.spanContext().traceId).toBe(TRACE_ID);

  const root = byName(spans, 'query Can');
  const decision = byName(spans, 'authz.decision');
  const load = byName(spans, 'authz.store.load');
  const change = byName(spans, 'authz.policy_change');
  expect(root.parentSpanContext).toBeUndefined();
  expect(decision.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
  expect(load.parentSpanContext?.spanId).toBe(decision.spanContext().spanId);
  expect(change.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
  // Local parents, and distinct span IDs.
  expect(decision.parentSpanContext?.isRemote).toBeFalsy();
  expect(new Set(spans.map((s) => s.spanContext().spanId)).size).toBe(4);
});

test('names, kinds and attributes are the recorded ones', () => {
  const spans = finish(wire());
  expect(byName(spans, 'query Can').kind).toBe(SpanKind.SERVER);
  expect(byName(spans, 'authz.decision').kind).toBe(SpanKind.INTERNAL);
  expect(byName(spans, 'authz.store.load').kind).toBe(SpanKind.CLIENT);
  expect(byName(spans, 'query Can').attributes).toEqual({ 'http.request.method': 'POST', 'http.response.status_code': 200 });
  expect(byName(spans, 'authz.decision').attributes).toEqual({ 'authz.allowed': true, 'authz.permissions': ['a', 'b'] });
  expect(byName(spans, 'authz.policy_change').attributes).toEqual({});
});

test('start and end times are the recorded epoch milliseconds', () => {
  const recorded = wire();
  const spans = finish(recorded);
  for (const r of recorded.spans) {
    const { start, end } = ms(byName(spans, r.name));
    expect(Math.abs(start - r.start)).toBeLessThan(0.01);
    expect(Math.abs(end - r.end)).toBeLessThan(0.01);
  }
});

test('a failed span has status ERROR; its error is an exception event at the end time; the others are UNSET without events', () => {
  const recorded = wire();
  const spans = finish(recorded);
  const change = byName(spans, 'authz.policy_change');
  expect(change.status.code).toBe(SpanStatusCode.ERROR);
  expect(change.events).toHaveLength(1);
  const event = change.events[0]!;
  expect(event.name).toBe('exception');
  expect(event.attributes).toMatchObject({ 'exception.type': 'ConflictError', 'exception.message': 'version moved', 'exception.stacktrace': 'ConflictError: version moved\n    at here' });
  expect(Math.abs(hrTimeToMilliseconds(event.time) - recorded.spans[3]!.end)).toBeLessThan(0.01);
  for (const name of ['query Can', 'authz.decision', 'authz.store.load']) {
    expect(byName(spans, name).status.code).toBe(SpanStatusCode.UNSET);
    expect(byName(spans, name).events).toEqual([]);
  }
});

test('failed without an error: status ERROR and no event; an error alone: an event and status UNSET', () => {
  const t = Date.now();
  const spans = finish({
    traceId: TRACE_ID,
    spans: [
      { name: 'root', kind: SpanKind.SERVER, parent: -1, start: t, end: t + 2, failed: true },
      { name: 'noted', kind: SpanKind.INTERNAL, parent: 0, start: t, end: t + 1, error: { name: 'Error', message: 'just noted' } },
    ],
  });
  expect(byName(spans, 'root').status.code).toBe(SpanStatusCode.ERROR);
  expect(byName(spans, 'root').events).toEqual([]);
  expect(byName(spans, 'noted').status.code).toBe(SpanStatusCode.UNSET);
  expect(byName(spans, 'noted').events.map((e) => [e.name, e.attributes?.['exception.message']])).toEqual([['exception', 'just noted']]);
});

test('a remote parent: the root is its child (remote span ID, trace state kept) in the wire trace ID', () => {
  const t = Date.now();
  const remote = { spanId: '00f067aa0ba902b7', traceFlags: 1, traceState: 'vendor=abc,other=1' };
  const spans = finish({
    traceId: TRACE_ID,
    remoteParent: remote,
    spans: [
      { name: 'root', kind: SpanKind.SERVER, parent: -1, start: t, end: t + 2 },
      { name: 'child', kind: SpanKind.INTERNAL, parent: 0, start: t, end: t + 1 },
    ],
  });
  const root = byName(spans, 'root');
  expect(root.spanContext().traceId).toBe(TRACE_ID);
  expect(root.parentSpanContext).toMatchObject({ traceId: TRACE_ID, spanId: remote.spanId, traceFlags: 1, isRemote: true });
  expect(root.parentSpanContext?.traceState?.serialize()).toBe('vendor=abc,other=1');
  expect(root.spanContext().traceState?.serialize()).toBe('vendor=abc,other=1');
  expect(byName(spans, 'child').parentSpanContext?.spanId).toBe(root.spanContext().spanId);
  expect(byName(spans, 'child').spanContext().traceId).toBe(TRACE_ID);
});

test('continued and new traces alternate, each with its own wire trace ID', () => {
  const t = Date.now();
  const other = '0af7651916cd43dd8448eb211c80319c';
  const spans = [
    ...finish({ traceId: TRACE_ID, remoteParent: { spanId: '00f067aa0ba902b7', traceFlags: 1 }, spans: [{ name: 'continued', kind: SpanKind.SERVER, parent: -1, start: t, end: t + 1 }] }),
    ...finish({ traceId: other, spans: [{ name: 'new', kind: SpanKind.SERVER, parent: -1, start: t, end: t + 1 }] }),
  ];
  expect(byName(spans, 'continued').spanContext().traceId).toBe(TRACE_ID);
  expect(byName(spans, 'continued').parentSpanContext?.traceState).toBeUndefined();
  expect(byName(spans, 'new').parentSpanContext).toBeUndefined();
  expect(byName(spans, 'new').spanContext().traceId).toBe(other);
});

test('several traces in a row each keep their own trace ID', () => {
  const t = Date.now();
  const traceIds = ['11111111111111111111111111111111', '22222222222222222222222222222222', '33333333333333333333333333333333'];
  const spans = traceIds.flatMap((traceId) =>
    finish({
      traceId,
      spans: [
        { name: `root ${traceId[0]}`, kind: SpanKind.SERVER, parent: -1, start: t, end: t + 2 },
        { name: `child ${traceId[0]}`, kind: SpanKind.INTERNAL, parent: 0, start: t, end: t + 1 },
      ],
    }),
  );
  expect(spans.map((s) => [s.name, s.spanContext().traceId]).sort()).toEqual(
    traceIds.flatMap((id) => [[`child ${id[0]}`, id], [`root ${id[0]}`, id]]).sort(),
  );
});

test('span IDs are random 16-hex, distinct across traces; every span is sampled, ended, of the origin resource and scope', () => {
  const spans = Array.from({ length: 50 }, () => finish(wire())).flat();
  const spanIds = spans.map((s) => s.spanContext().spanId);
  for (const id of spanIds) expect(id).toMatch(/^[0-9a-f]{16}$/);
  expect(new Set(spanIds).size).toBe(spanIds.length);
  for (const s of spans) {
    expect(s.spanContext().traceFlags).toBe(1);
    expect(s.ended).toBe(true);
    expect(s.resource).toBe(RESOURCE);
    expect(s.instrumentationScope).toEqual({ name: 'authz-gateway' });
  }
});

test('an end before the start becomes the start, with no duration (as the SDK does)', () => {
  const t = Date.now();
  const [span] = finish({ traceId: TRACE_ID, spans: [{ name: 'backwards', kind: SpanKind.SERVER, parent: -1, start: t, end: t - 5 }] });
  expect(span!.endTime).toEqual(span!.startTime);
  expect(span!.duration).toEqual([0, 0]);
});

test("an error's code becomes the exception's type, as the SDK records it", () => {
  const recorded = wire();
  recorded.spans[3]!.error = { name: 'PrismaClientKnownRequestError', message: 'unique constraint', code: 'P2002' };
  const event = byName(finish(recorded), 'authz.policy_change').events[0]!;
  expect(event.attributes).toMatchObject({ 'exception.type': 'P2002', 'exception.message': 'unique constraint' });
});

// The reference: the SDK's own tracer, fed the same record span by span (start with
// the recorded time and attributes under the recorded parent, record the exception,
// set the status, end), with the same trace and span IDs.
function sdkSpans(wire: TraceWire, spanIds: string[]): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  let next = 0;
  const ids: IdGenerator = { generateTraceId: () => wire.traceId, generateSpanId: () => spanIds[next++]! };
  const provider = new BasicTracerProvider({ resource: RESOURCE, idGenerator: ids, sampler: new AlwaysOnSampler(), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('authz-gateway');
  const remote = wire.remoteParent;
  const root: Context = remote
    ? trace.setSpanContext(ROOT_CONTEXT, { traceId: wire.traceId, spanId: remote.spanId, traceFlags: remote.traceFlags, isRemote: true, ...(remote.traceState ? { traceState: createTraceState(remote.traceState) } : {}) })
    : ROOT_CONTEXT;
  const spans: Span[] = [];
  for (const r of wire.spans) spans.push(tracer.startSpan(r.name, { kind: r.kind, startTime: r.start, attributes: allAttributes(r) }, r.parent >= 0 ? trace.setSpan(ROOT_CONTEXT, spans[r.parent]!) : root));
  wire.spans.forEach((r, i) => {
    if (r.error) spans[i]!.recordException(r.error, r.end);
    if (r.failed) spans[i]!.setStatus({ code: SpanStatusCode.ERROR });
    spans[i]!.end(r.end);
  });
  return exporter.getFinishedSpans();
}

/** What an exporter reads of a span (the OTLP transformer reads these fields). */
function exported(span: ReadableSpan) {
  const context = span.spanContext();
  const parent = span.parentSpanContext;
  return {
    name: span.name,
    kind: span.kind,
    context: { traceId: context.traceId, spanId: context.spanId, traceFlags: context.traceFlags, traceState: context.traceState?.serialize() },
    parent: parent && { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parent.traceFlags, isRemote: parent.isRemote, traceState: parent.traceState?.serialize() },
    startTime: span.startTime,
    endTime: span.endTime,
    duration: span.duration,
    status: { code: span.status.code, message: span.status.message },
    attributes: span.attributes,
    events: span.events,
    links: span.links,
    dropped: [span.droppedAttributesCount, span.droppedEventsCount, span.droppedLinksCount],
    ended: span.ended,
    resource: span.resource.attributes,
    scope: span.instrumentationScope.name,
  };
}

test.each([
  ['a new trace with a failed change', () => wire()],
  ['a continued trace with a trace state, an error code and an error without a message', () => {
    const w = wire();
    w.remoteParent = { spanId: '00f067aa0ba902b7', traceFlags: 1, traceState: 'vendor=abc' };
    w.spans[3]!.error = { name: 'PrismaClientKnownRequestError', message: 'unique constraint', code: 'P2002' };
    w.spans[2]!.error = { name: 'TimeoutError', message: '' };
    w.spans[1]!.more = ['authz.allowed', false, 'authz.cache_status', 'MISS', 'authz.nothing', null as unknown as string];
    return w;
  }],
  ['a span ending before it started', () => ({ traceId: TRACE_ID, spans: [{ name: 'backwards', kind: SpanKind.SERVER, parent: -1, start: Date.now(), end: Date.now() - 5 }] })],
])('%s: the same spans as the SDK tracer makes of it', (_name, make: () => TraceWire) => {
  const recorded = make();
  const ours = finish(recorded);
  const reference = sdkSpans(recorded, ours.map((s) => s.spanContext().spanId));
  expect(ours.map(exported)).toEqual(reference.map(exported));
});

describe.each([
  ['span-specific value length and attribute counts', { OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '5', OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '1', OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT: '2' }],
  ['the general value length and attribute count', { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '4', OTEL_ATTRIBUTE_COUNT_LIMIT: '1' }],
  ['no events', { OTEL_SPAN_EVENT_COUNT_LIMIT: '0' }],
  ['a value length alone', { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '6' }],
])('the SDK span limits from the environment (%s)', (_name, env: Record<string, string>) => {
  beforeEach(() => Object.assign(process.env, env));
  afterEach(() => {
    for (const key of Object.keys(env)) delete process.env[key];
  });

  test('apply as the SDK tracer applies them', () => {
    const recorded = wire();
    recorded.spans[1]!.attributes = { 'authz.decision.kind': 'checks', 'authz.permissions': ['document:edit', 'a'] };
    const ours = finishedSpans(recorded, spanOrigin(RESOURCE, 'authz-gateway'));
    const reference = sdkSpans(recorded, ours.map((s) => s.spanContext().spanId));
    expect(ours.map(exported)).toEqual(reference.map(exported));
    // The limits did cut something.
    const changed = byName(ours, 'authz.policy_change');
    const decision = byName(ours, 'authz.decision');
    if (env.OTEL_SPAN_EVENT_COUNT_LIMIT === '0') expect([changed.events.length, changed.droppedEventsCount]).toEqual([0, 1]);
    else if (!env.OTEL_ATTRIBUTE_COUNT_LIMIT && !env.OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT) expect(decision.attributes['authz.permissions']).toEqual(['docume', 'a']);
    else expect([Object.keys(decision.attributes).length, decision.droppedAttributesCount]).toEqual([1, 1]);
  });
});
