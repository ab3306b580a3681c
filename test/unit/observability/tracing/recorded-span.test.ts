import { SpanKind } from '@opentelemetry/api';
import { TraceRecord } from '../../../../src/observability/tracing/recorded-span';
import { allAttributes } from '../../../../src/observability/tracing/trace-wire';

// TraceRecord/RecordedSpan record a sampled request's spans as plain data; toWire() is
// what the export worker turns into SDK spans, so these check the wire form directly.

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

/** Returns once the monotonic clock has moved 2 ms (a few microtask turns, no timer): a second end() would then be visibly later. */
async function clockMoves(): Promise<void> {
  const until = performance.now() + 2;
  while (performance.now() < until) await Promise.resolve();
}

function record(finished: (t: TraceRecord) => void = () => undefined, remoteParent?: TraceRecord['remoteParent']): TraceRecord {
  return new TraceRecord(TRACE_ID, remoteParent, 'POST /graphql', finished);
}

test('the root comes first with parent -1 (SERVER); children point at their parent by index, with their kind', () => {
  const trace = record();
  const decision = trace.root.child('authz.decision', SpanKind.INTERNAL);
  const load = decision.child('authz.store.load', SpanKind.CLIENT);
  const change = trace.root.child('authz.policy_change', SpanKind.INTERNAL);
  load.end();
  decision.end();
  change.end();
  trace.root.end();

  const wire = trace.toWire();
  expect(wire.traceId).toBe(TRACE_ID);
  expect(wire.remoteParent).toBeUndefined();
  expect(wire.spans.map((s) => [s.name, s.kind, s.parent])).toEqual([
    ['POST /graphql', SpanKind.SERVER, -1],
    ['authz.decision', SpanKind.INTERNAL, 0],
    ['authz.store.load', SpanKind.CLIENT, 1],
    ['authz.policy_change', SpanKind.INTERNAL, 0],
  ]);
});

test('times are wall-clock epoch milliseconds, start <= end, and a child lies within its parent', () => {
  const before = Date.now();
  const trace = record();
  const child = trace.root.child('child', SpanKind.INTERNAL);
  child.end();
  trace.root.end();
  const after = Date.now();
  const [root, c] = trace.toWire().spans;
  for (const s of [root!, c!]) {
    expect(s.start).toBeLessThanOrEqual(s.end);
    // Epoch ms, not monotonic ms since process start: within a few ms of Date.now().
    expect(s.start).toBeGreaterThan(before - 50);
    expect(s.end).toBeLessThan(after + 50);
  }
  expect(c!.start).toBeGreaterThanOrEqual(root!.start);
  expect(c!.end).toBeLessThanOrEqual(root!.end);
});

test('updateName renames; setAttribute and setAttributes merge; changes after end are ignored', () => {
  const trace = record();
  const child = trace.root.child('first', SpanKind.INTERNAL, { 'a.initial': 1 });
  child.updateName('second');
  child.setAttribute('a.one', 'x');
  child.setAttributes({ 'a.two': true, 'a.one': 'y' });
  child.end();
  child.updateName('after end');
  child.setAttribute('a.late', 1);
  child.setAttributes({ 'a.later': 2, 'a.one': 'z' });
  child.fail(new Error('too late'));

  // A span created without attributes gets them from setAttributes / setAttribute alone.
  trace.root.setAttributes({ 'r.one': 1 });
  trace.root.setAttribute('r.two', 'two');
  const bare = trace.root.child('bare', SpanKind.INTERNAL);
  bare.end();
  trace.root.end();

  const [root, c, b] = trace.toWire().spans;
  expect(c!.name).toBe('second');
  expect(allAttributes(c!)).toEqual({ 'a.initial': 1, 'a.one': 'y', 'a.two': true });
  expect(c!.failed).toBeUndefined();
  expect(c!.error).toBeUndefined();
  expect(allAttributes(root!)).toEqual({ 'r.one': 1, 'r.two': 'two' });
  expect(allAttributes(b!)).toBeUndefined();
});

test('setAttributes on a span without attributes does not keep the caller object', () => {
  const trace = record();
  const given = { 'a.one': 1 };
  trace.root.setAttributes(given);
  trace.root.setAttribute('a.two', 2);
  trace.root.end();
  expect(allAttributes(trace.toWire().spans[0]!)).toEqual({ 'a.one': 1, 'a.two': 2 });
  expect(given).toEqual({ 'a.one': 1 });
});

test('fail() without an error marks the span failed and records no error', () => {
  const trace = record();
  trace.root.fail();
  trace.root.end();
  const [root] = trace.toWire().spans;
  expect(root!.failed).toBe(true);
  expect(root!.error).toBeUndefined();
});

test('fail(error) records name, message and stack of an Error, and String() of anything else', () => {
  const trace = record();
  const typed = trace.root.child('typed', SpanKind.INTERNAL);
  const error = new TypeError('bad input');
  typed.fail(error);
  typed.end();
  const text = trace.root.child('text', SpanKind.INTERNAL);
  text.fail('store down');
  text.end();
  const object = trace.root.child('object', SpanKind.INTERNAL);
  object.fail({ toString: () => 'custom thing' });
  object.end();
  const number = trace.root.child('number', SpanKind.INTERNAL);
  number.fail(42);
  number.end();
  trace.root.end();

  const [root, t, s, o, n] = trace.toWire().spans;
  expect(root!.failed).toBeUndefined();
  expect(t!.failed).toBe(true);
  expect(t!.error).toEqual({ name: 'TypeError', message: 'bad input', stack: error.stack });
  expect(t!.error!.stack).toContain('bad input');
  expect(s).toMatchObject({ failed: true, error: { name: 'Error', message: 'store down' } });
  expect(s!.error!.stack).toBeUndefined();
  expect(o).toMatchObject({ failed: true, error: { name: 'Error', message: 'custom thing' } });
  expect(n).toMatchObject({ failed: true, error: { name: 'Error', message: '42' } });
});

test('an Error without a stack is recorded without a stack key', () => {
  const trace = record();
  const error = new Error('no stack');
  error.stack = undefined;
  trace.root.fail(error);
  trace.root.end();
  expect(trace.toWire().spans[0]!.error).toEqual({ name: 'Error', message: 'no stack' });
});

test('ending twice keeps the first end, and finished is called once, when the root ends (not its children)', async () => {
  const finished = jest.fn();
  const trace = record(finished);
  const child = trace.root.child('child', SpanKind.INTERNAL);
  child.end();
  const childEnd = trace.toWire().spans[1]!.end;
  expect(finished).not.toHaveBeenCalled();

  await clockMoves();
  child.end();
  expect(trace.toWire().spans[1]!.end).toBe(childEnd);
  expect(finished).not.toHaveBeenCalled();

  trace.root.end();
  expect(finished).toHaveBeenCalledTimes(1);
  expect(finished).toHaveBeenCalledWith(trace);
  const rootEnd = trace.toWire().spans[0]!.end;
  await clockMoves();
  trace.root.end();
  expect(finished).toHaveBeenCalledTimes(1);
  expect(trace.toWire().spans[0]!.end).toBe(rootEnd);
});

test('a child still open when the trace is serialized gets an end time, at or after its start', () => {
  const trace = record();
  const open = trace.root.child('still open', SpanKind.CLIENT);
  trace.root.end();
  const before = Date.now();
  const [root, o] = trace.toWire().spans;
  expect(o!.end).toBeGreaterThan(0);
  expect(o!.end).toBeGreaterThanOrEqual(o!.start);
  expect(o!.end).toBeGreaterThanOrEqual(root!.end);
  expect(o!.end).toBeGreaterThan(before - 50);
  // It is still open: ending it later is recorded.
  open.end();
  expect(trace.toWire().spans[1]!.end).toBeGreaterThanOrEqual(o!.end);
});

test('the remote parent is carried on the wire, traceState included', () => {
  const remote = { spanId: '00f067aa0ba902b7', traceFlags: 1, traceState: 'vendor=abc,other=1' };
  const trace = record(undefined, remote);
  trace.root.end();
  const wire = trace.toWire();
  expect(wire.remoteParent).toEqual(remote);
  expect(wire.spans[0]!.parent).toBe(-1);
});

test('the wire form is plain data that survives structured cloning', () => {
  const trace = record();
  trace.root.setAttributes({ 'a.list': ['x', 'y'], 'a.n': 3 });
  trace.root.child('c', SpanKind.INTERNAL).fail(new Error('e'));
  trace.root.end();
  const wire = trace.toWire();
  expect(structuredClone(wire)).toEqual(wire);
});

test('a span opened after the root ended is part of no trace: the trace as handed on stays as it was', () => {
  const finished: TraceRecord[] = [];
  const trace = new TraceRecord('0af7651916cd43dd8448eb211c80319c', undefined, 'root', (t) => finished.push(t));
  const decision = trace.root.child('decision', SpanKind.INTERNAL);
  trace.root.end();
  // A load shared with a request that already answered opens its span under it later.
  const late = decision.child('late', SpanKind.CLIENT, { 'a.b': 1 });
  late.child('later still', SpanKind.CLIENT).end();
  late.end();
  decision.end();
  expect(finished).toEqual([trace]);
  expect(trace.toWire().spans.map((s) => s.name)).toEqual(['root', 'decision']);
});

test("an error's code (a Prisma or system error code) is kept, to become the exception's type", () => {
  const trace = new TraceRecord('0af7651916cd43dd8448eb211c80319c', undefined, 'root', () => undefined);
  trace.root.fail(Object.assign(new Error('unique constraint'), { code: 'P2002' }));
  trace.root.end();
  expect(trace.toWire().spans[0]!.error).toMatchObject({ name: 'Error', message: 'unique constraint', code: 'P2002' });
});
