import { SpanKind } from '@opentelemetry/api';
import { type EncodedTraces, TraceDecoder, TraceEncoder } from '../../../../src/observability/tracing/trace-codec';
import { allAttributes, type TraceWire } from '../../../../src/observability/tracing/trace-wire';

// The packing of traces for the export worker: what the decoder gets back is what was
// added, attribute by attribute, across messages that send each string only once.

const continued: TraceWire = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  remoteParent: { spanId: '00f067aa0ba902b7', traceFlags: 1, traceState: 'vendor=a' },
  spans: [
    { name: 'query Can', kind: SpanKind.SERVER, parent: -1, start: 1765000000000.125, end: 1765000000002.5, attributes: { 'http.request.method': 'POST' }, more: ['authz.pipeline', 'prepared', 'http.response.status_code', 200, 'http.response.status_code', 503] },
    { name: 'authz.decision', kind: SpanKind.INTERNAL, parent: 0, start: 1765000000000.25, end: 1765000000001, failed: true, error: { name: 'TypeError', message: 'boom', stack: 'TypeError: boom\n  at x', code: 'P2002' } },
    { name: 'MGET', kind: SpanKind.CLIENT, parent: 1, start: 1765000000000.5, end: 1765000000000.75, attributes: { 'authz.l2.keys': 3, 'db.system': 'redis', 'authz.error_codes': ['A', 'B'], 'authz.flag': true } },
  ],
};
const fresh: TraceWire = { traceId: '0af7651916cd43dd8448eb211c80319c', spans: [{ name: 'query', kind: SpanKind.SERVER, parent: -1, start: 1, end: 2, failed: true, error: { name: 'Error', message: 'no stack' } }] };

/** A trace as decoded: every attribute in one object (trace-wire.ts allAttributes). */
function merged(trace: TraceWire): TraceWire {
  return {
    ...trace,
    spans: trace.spans.map(({ more, ...span }) => {
      const attributes = allAttributes({ ...span, more });
      return attributes ? { ...span, attributes } : span;
    }),
  };
}

test('traces come back as added: names, kinds, parents, exact times, outcome, errors, remote parent and attributes', () => {
  const encoder = new TraceEncoder();
  encoder.add(continued);
  encoder.add(fresh);
  const decoded = new TraceDecoder().decode(structuredClone(encoder.take()!));
  expect(decoded).toEqual([merged(continued), merged(fresh)]);
  expect(decoded[0]!.spans[0]!.attributes!['http.response.status_code']).toBe(503);
});

/** `a`, then `b`, packed in two messages by one encoder. */
function twoMessages(a: TraceWire, b: TraceWire): [EncodedTraces, EncodedTraces] {
  const encoder = new TraceEncoder();
  encoder.add(a);
  const first = encoder.take()!;
  encoder.add(b);
  return [first, encoder.take()!];
}

test('strings (names, keys, values) are sent once: a later message refers to them by number, and the decoder keeps them', () => {
  const decoder = new TraceDecoder();
  const [first, second] = twoMessages(continued, continued);
  expect(first.strings).toEqual(expect.arrayContaining(['query Can', 'http.request.method', 'db.system', 'redis', 'prepared']));
  expect(second.strings).toEqual([]);
  // Only what is not a number or a known string travels as a value: the IDs, the trace state, the error and the array.
  expect(second.values).toEqual([continued.traceId, '00f067aa0ba902b7', 'vendor=a', ['TypeError', 'boom', 'TypeError: boom\n  at x', 'P2002'], ['A', 'B']]);
  expect(decoder.decode(first)).toEqual([merged(continued)]);
  expect(decoder.decode(second)).toEqual([merged(continued)]);
});

test('nothing packed: take() gives undefined; the numbers grow past their first buffer', () => {
  const encoder = new TraceEncoder();
  expect(encoder.take()).toBeUndefined();
  const many = Array.from({ length: 1_000 }, (_, i) => ({ ...fresh, traceId: i.toString(16).padStart(32, '0') }));
  for (const trace of many) encoder.add(trace);
  const taken = encoder.take()!;
  expect(taken.numbers.length).toBe(1_000 * 11);
  expect(new TraceDecoder().decode(taken)).toEqual(many.map(merged));
  expect(encoder.take()).toBeUndefined();
});

test('beyond 4,096 distinct strings, further strings travel as text and still decode, in this message and later ones', () => {
  const encoder = new TraceEncoder();
  const decoder = new TraceDecoder();
  const attributes = Object.fromEntries(Array.from({ length: 4_200 }, (_, i) => [`k.${i}`, `v.${i % 3}`]));
  const trace: TraceWire = { traceId: fresh.traceId, spans: [{ name: 'wide', kind: SpanKind.INTERNAL, parent: -1, start: 1, end: 2, attributes }] };
  encoder.add(trace);
  const taken = encoder.take()!;
  expect(taken.strings).toHaveLength(4_096);
  expect(taken.values).toContain('k.4199');
  expect(decoder.decode(taken)).toEqual([trace]);
  const later: TraceWire = { traceId: fresh.traceId, spans: [{ name: 'unseen name', kind: SpanKind.INTERNAL, parent: -1, start: 1, end: 2, attributes: { 'k.1': 'unseen value', 'k.4199': 'v.2' } }] };
  encoder.add(later);
  const next = encoder.take()!;
  expect(next.strings).toEqual([]);
  expect(next.values).toEqual([fresh.traceId, 'unseen name', 'unseen value', 'k.4199']);
  expect(decoder.decode(next)).toEqual([later]);
});

test('a string longer than 256 characters travels as text and is not kept', () => {
  const encoder = new TraceEncoder();
  const long = 'x'.repeat(257);
  const trace: TraceWire = { traceId: fresh.traceId, spans: [{ name: long, kind: SpanKind.SERVER, parent: -1, start: 1, end: 2, attributes: { 'authz.note': long } }] };
  encoder.add(trace);
  const taken = encoder.take()!;
  expect(taken.strings).toEqual(['authz.note']);
  expect(taken.values.filter((v) => v === long)).toHaveLength(2);
  expect(new TraceDecoder().decode(taken)).toEqual([trace]);
});

test('a lost or reordered message is refused, not decoded with misnumbered strings', () => {
  const decoder = new TraceDecoder();
  const [first, second] = twoMessages(continued, fresh);
  expect(second.firstString).toBe(first.strings.length);
  expect(() => decoder.decode(second)).toThrow(/out of step/);
  expect(decoder.decode(first)).toEqual([merged(continued)]);
  expect(decoder.decode(second)).toEqual([merged(fresh)]);
});
