import { SpanKind } from '@opentelemetry/api';
import type { TracingConfig } from '../../../../src/config/tracing-config';
import { endWhenSettled, inSpan, Tracing } from '../../../../src/observability/tracing/tracing';
import { allAttributes } from '../../../../src/observability/tracing/trace-wire';
import { TraceRecord } from '../../../../src/observability/tracing/recorded-span';

// Tracing.startRequest: the sampler's decision per request, the trace ID it gives the
// request, and the remote parent it continues. Each Tracing starts its export worker,
// so each is shut down; nothing is exported here (no span is ended), the URL is unused.

const HEX32 = /^[0-9a-f]{32}$/;
const PARENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';

let open: Tracing[] = [];
let errors: Error[] = [];
afterEach(async () => {
  await Promise.all(open.map((t) => t.shutdown()));
  open = [];
  // No export worker failed along the way.
  expect(errors).toEqual([]);
  errors = [];
});

function tracing(sampler: TracingConfig['sampler'], samplerRatio = 1): Tracing {
  const config: TracingConfig = { serviceName: 'tracing-test', url: 'http://127.0.0.1:1/v1/traces', protocol: 'http/json', sampler, samplerRatio, resourceAttributes: {} };
  const t = new Tracing(config, () => undefined, (error) => void errors.push(error));
  open.push(t);
  return t;
}

test('always_off: no trace, and a new valid trace ID for the request', () => {
  const t = tracing('always_off');
  const start = t.startRequest('POST /graphql', {});
  expect(start.trace).toBeUndefined();
  expect(start.traceId).toMatch(HEX32);
  expect(start.traceId).not.toBe('0'.repeat(32));
  expect(t.startRequest('POST /graphql', {}).traceId).not.toBe(start.traceId);
});

test('always_on: a trace whose open SERVER root is named as given, in the request trace ID, with no remote parent', () => {
  const t = tracing('always_on');
  const start = t.startRequest('query Can', {});
  expect(start.trace).toBeInstanceOf(TraceRecord);
  expect(start.traceId).toMatch(HEX32);
  expect(start.trace!.traceId).toBe(start.traceId);
  expect(start.trace!.remoteParent).toBeUndefined();
  const wire = start.trace!.toWire();
  expect(wire.spans).toHaveLength(1);
  expect(wire.spans[0]).toMatchObject({ name: 'query Can', kind: SpanKind.SERVER, parent: -1 });
});

test('a new trace takes the ID already drawn for the request when given; a valid traceparent wins over it', () => {
  const t = tracing('always_on');
  const drawn = '0af7651916cd43dd8448eb211c80319c';
  const fresh = t.startRequest('query Can', {}, drawn);
  expect(fresh.traceId).toBe(drawn);
  expect(fresh.trace!.traceId).toBe(drawn);
  const continued = t.startRequest('query Can', { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01` }, drawn);
  expect(continued.traceId).toBe(PARENT_TRACE);
});

test('parentbased_always_off with a sampled traceparent: sampled, in the parent trace, continuing its span and trace state', () => {
  const t = tracing('parentbased_always_off');
  const start = t.startRequest('query Can', { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01`, tracestate: 'vendor=abc,other=1' });
  expect(start.traceId).toBe(PARENT_TRACE);
  expect(start.trace).toBeDefined();
  expect(start.trace!.traceId).toBe(PARENT_TRACE);
  expect(start.trace!.remoteParent).toEqual({ spanId: PARENT_SPAN, traceFlags: 1, traceState: 'vendor=abc,other=1' });
  expect(start.trace!.toWire().remoteParent).toEqual({ spanId: PARENT_SPAN, traceFlags: 1, traceState: 'vendor=abc,other=1' });
  // Without a tracestate header, no traceState key at all.
  const plain = t.startRequest('query Can', { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01` });
  expect(plain.trace!.remoteParent).toEqual({ spanId: PARENT_SPAN, traceFlags: 1 });
  // And a root of its own is not sampled by this sampler.
  expect(t.startRequest('query Can', {}).trace).toBeUndefined();
});

test('an unsampled parent (flags 00): not sampled by parentbased_always_on, yet the request keeps the parent trace ID', () => {
  const t = tracing('parentbased_always_on');
  const start = t.startRequest('query Can', { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-00` });
  expect(start.trace).toBeUndefined();
  expect(start.traceId).toBe(PARENT_TRACE);
});

test('an unsampled parent under parentbased_always_off: not sampled, the parent trace ID kept', () => {
  const t = tracing('parentbased_always_off');
  const start = t.startRequest('query Can', { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-00` });
  expect(start.trace).toBeUndefined();
  expect(start.traceId).toBe(PARENT_TRACE);
});

test.each([
  ['garbage', 'not-a-traceparent'],
  ['an all-zero trace ID', `00-${'0'.repeat(32)}-${PARENT_SPAN}-01`],
  ['an all-zero span ID', `00-${PARENT_TRACE}-${'0'.repeat(16)}-01`],
  ['a short trace ID', `00-${PARENT_TRACE.slice(1)}-${PARENT_SPAN}-01`],
  ['version ff', `ff-${PARENT_TRACE}-${PARENT_SPAN}-01`],
])('an invalid traceparent (%s): a new trace ID and no remote parent', (_what, traceparent) => {
  const t = tracing('always_on');
  const start = t.startRequest('query Can', { traceparent });
  expect(start.traceId).toMatch(HEX32);
  expect(start.traceId).not.toBe(PARENT_TRACE);
  expect(start.traceId).not.toBe('0'.repeat(32));
  expect(start.trace!.traceId).toBe(start.traceId);
  expect(start.trace!.remoteParent).toBeUndefined();
});

test('traceidratio 0.5 samples between 40% and 60% of 2,000 requests, each sampled trace in its request trace ID', () => {
  const t = tracing('traceidratio', 0.5);
  let sampled = 0;
  for (let i = 0; i < 2000; i++) {
    const start = t.startRequest('query Can', {});
    if (start.trace) {
      sampled++;
      expect(start.trace.traceId).toBe(start.traceId);
    }
  }
  expect(sampled).toBeGreaterThanOrEqual(800);
  expect(sampled).toBeLessThanOrEqual(1200);
});

test('traceidratio 0 samples nothing; 1 samples everything', () => {
  const none = tracing('traceidratio', 0);
  const all = tracing('traceidratio', 1);
  for (let i = 0; i < 200; i++) {
    expect(none.startRequest('r', {}).trace).toBeUndefined();
    expect(all.startRequest('r', {}).trace).toBeDefined();
  }
});

// inSpan / endWhenSettled: the helpers that time a child span around a promise.

function root(): TraceRecord {
  return new TraceRecord(PARENT_TRACE, undefined, 'root', () => undefined);
}

test('inSpan: a child span ended when the work resolves, with attributes from describe', async () => {
  const trace = root();
  const result = await inSpan(trace.root, 'authz.l2.read', SpanKind.CLIENT, { 'db.system': 'redis' }, () => Promise.resolve(3), (n) => ({ 'authz.hits': n }));
  expect(result).toBe(3);
  const [, child] = trace.toWire().spans;
  expect(child).toMatchObject({ name: 'authz.l2.read', kind: SpanKind.CLIENT, parent: 0 });
  expect(allAttributes(child!)).toEqual({ 'db.system': 'redis', 'authz.hits': 3 });
  expect(child!.failed).toBeUndefined();
});

test('inSpan: a rejection or a synchronous throw marks the span failed with the error, and is rethrown', async () => {
  const trace = root();
  const rejected = new Error('redis down');
  await expect(inSpan(trace.root, 'rejects', SpanKind.CLIENT, {}, () => Promise.reject(rejected))).rejects.toBe(rejected);
  const thrown = new RangeError('bad');
  await expect(
    inSpan(trace.root, 'throws', SpanKind.CLIENT, {}, () => {
      throw thrown;
    }),
  ).rejects.toBe(thrown);
  const [, a, b] = trace.toWire().spans;
  expect(a).toMatchObject({ name: 'rejects', failed: true, error: { name: 'Error', message: 'redis down' } });
  expect(b).toMatchObject({ name: 'throws', failed: true, error: { name: 'RangeError', message: 'bad' } });
});

test('endWhenSettled: settled runs before the span ends, on success and on failure', async () => {
  const trace = root();
  const ok = trace.root.child('ok', SpanKind.INTERNAL);
  const order: string[] = [];
  await endWhenSettled(ok, Promise.resolve('v'), () => (order.push('describe'), {}), () => void order.push('settled'));
  const bad = trace.root.child('bad', SpanKind.INTERNAL);
  await expect(endWhenSettled(bad, Promise.reject(new Error('no')), undefined, () => void order.push('settled on error'))).rejects.toThrow('no');
  expect(order).toEqual(['settled', 'describe', 'settled on error']);
  const [, o, b] = trace.toWire().spans;
  expect(o!.failed).toBeUndefined();
  expect(b!.failed).toBe(true);
});
