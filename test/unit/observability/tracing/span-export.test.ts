import { SpanKind } from '@opentelemetry/api';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { Worker } from 'node:worker_threads';
import type { TracingConfig } from '../../../../src/config/tracing-config';
import { TraceRecord } from '../../../../src/observability/tracing/recorded-span';
import { MAX_IN_TRANSIT, SpanExport } from '../../../../src/observability/tracing/span-export';
import { startOtlpReceiver, type OtlpReceiver } from '../../../helpers/otlp-receiver';
import { waitFor } from '../../../helpers/wait-for';

// SpanExport against its real export worker (export-worker.ts, started through tsx from
// the sources) and a local OTLP/HTTP receiver: what reaches the collector, and what is
// counted as dropped when it cannot.

const UNREACHABLE = 'http://127.0.0.1:1/v1/traces';

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());
beforeEach(() => void receiver.spans.splice(0));

function config(url = `${receiver.url}/v1/traces`): TracingConfig {
  return { serviceName: 'span-export-test', url, protocol: 'http/json', sampler: 'always_on', samplerRatio: 1, resourceAttributes: {} };
}

/** Drops reported through onDropped, by reason, and errors reported through onError. */
function counters() {
  const dropped = { queue_full: 0, export_failed: 0 };
  const errors: Error[] = [];
  /** What the exporter said about each batch the collector did not take. */
  const causes: string[] = [];
  return {
    dropped,
    errors,
    causes,
    onDropped: (count: number, reason: 'queue_full' | 'export_failed', cause?: string) => {
      dropped[reason] += count;
      if (cause !== undefined) causes.push(cause);
    },
    onError: (error: Error) => void errors.push(error),
  };
}

let traceCounter = 0;
/** A finished trace of `spans` spans (root and its children), handed to `exp` when the root ends. */
function finishTrace(exp: SpanExport, spans: number): TraceRecord {
  const traceId = (++traceCounter).toString(16).padStart(32, 'a');
  const trace = new TraceRecord(traceId, undefined, `root ${traceId}`, (t) => exp.add(t));
  for (let i = 1; i < spans; i++) trace.root.child(`child ${i}`, SpanKind.INTERNAL, { 'test.index': i }).end();
  trace.root.end();
  return trace;
}

/** The worker, a private field: reached only to make it fail for real, a fault there is no other way to cause. */
const workerOf = (exp: SpanExport) => (exp as unknown as { worker: Worker }).worker;

test('finished traces reach the collector on shutdown, with their trace IDs and parentage', async () => {
  const c = counters();
  let exported = 0;
  const exp = new SpanExport(config(), c.onDropped, c.onError, (count) => (exported += count));
  const traces = [finishTrace(exp, 1), finishTrace(exp, 3), finishTrace(exp, 2)];
  await exp.shutdown();

  expect(receiver.spans).toHaveLength(6);
  // Told batch by batch (what the gateway's export-failure log reads as a recovery).
  expect(exported).toBe(6);
  for (const trace of traces) {
    const mine = receiver.spans.filter((s) => s.traceId === trace.traceId);
    expect(mine.map((s) => s.name).sort()).toEqual(trace.toWire().spans.map((s) => s.name).sort());
    const root = mine.find((s) => s.name === `root ${trace.traceId}`)!;
    // A new trace: the root has no parent; every child is the root's.
    expect(root.parentSpanId).toBe('');
    for (const child of mine.filter((s) => s !== root)) {
      expect(child.parentSpanId).toBe(root.spanId);
      expect(child.attributes['test.index']).toBe(Number(child.name.split(' ')[1]));
    }
  }
  expect(c.dropped).toEqual({ queue_full: 0, export_failed: 0 });
  expect(c.errors).toEqual([]);
});

test('shutdown is idempotent; after it a finished trace is dropped and counted as export_failed', async () => {
  const c = counters();
  const exp = new SpanExport(config(), c.onDropped, c.onError);
  const first = exp.shutdown();
  expect(exp.shutdown()).toBe(first);
  await first;
  expect(exp.shutdown()).toBe(first);

  finishTrace(exp, 3);
  expect(c.dropped).toEqual({ queue_full: 0, export_failed: 3 });
  expect(c.errors).toEqual([]);
  expect(receiver.spans).toEqual([]);
});

test('a trace added while shutdown is in progress is dropped and counted, not lost silently', async () => {
  const c = counters();
  const exp = new SpanExport(config(), c.onDropped, c.onError);
  finishTrace(exp, 2);
  const closing = exp.shutdown();
  finishTrace(exp, 4);
  expect(c.dropped.export_failed).toBe(4);
  await closing;
  expect(receiver.spans).toHaveLength(2);
  expect(c.errors).toEqual([]);
});

test('an unreachable collector: the spans are counted as export_failed by the time shutdown resolves, and it is no worker failure', async () => {
  const c = counters();
  const exp = new SpanExport(config(UNREACHABLE), c.onDropped, c.onError);
  finishTrace(exp, 3);
  finishTrace(exp, 2);
  await exp.shutdown();
  expect(c.dropped).toEqual({ queue_full: 0, export_failed: 5 });
  expect(c.errors).toEqual([]);
  // ECONNREFUSED is retried, with backoff, within the exporter's 10 s timeout: the
  // shutdown's 7 s usually stop the worker first (the spans then counted without a
  // cause); whatever verdict came before says why.
  for (const cause of c.causes) expect(cause).toBe('connect ECONNREFUSED 127.0.0.1:1');
});

test("a collector that refuses the batch: the spans are counted as export_failed, with its HTTP status as the cause and not its answer's body", async () => {
  const refusing = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(401, 'Unauthorized', { 'content-type': 'text/plain' }).end('token abc123 is not valid'));
  });
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  const c = counters();
  try {
    const exp = new SpanExport(config(`http://127.0.0.1:${(refusing.address() as AddressInfo).port}/v1/traces`), c.onDropped, c.onError);
    finishTrace(exp, 3);
    await exp.shutdown();
  } finally {
    refusing.close();
  }
  expect(c.dropped).toEqual({ queue_full: 0, export_failed: 3 });
  expect(c.causes).toEqual(['HTTP 401 Unauthorized']);
  expect(c.errors).toEqual([]);
});

test('a collector that keeps answering 503: once the exporter has retried until its timeout, the spans are counted as export_failed, with that as the cause', async () => {
  const unavailable = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(503, 'Service Unavailable').end());
  });
  await new Promise<void>((resolve) => unavailable.listen(0, '127.0.0.1', resolve));
  const c = counters();
  try {
    const exp = new SpanExport(config(`http://127.0.0.1:${(unavailable.address() as AddressInfo).port}/v1/traces`), c.onDropped, c.onError);
    finishTrace(exp, 2);
    // The batch goes out on the processor's timer and is retried within the 10 s timeout.
    await waitFor('the exporter to give up on the batch', () => c.causes.length > 0, { timeoutMs: 30_000, intervalMs: 100 });
    await exp.shutdown();
  } finally {
    unavailable.close();
  }
  expect(c.dropped).toEqual({ queue_full: 0, export_failed: 2 });
  expect(c.causes).toEqual(['the collector answered 429, 502, 503 or 504 until the export timed out']);
}, 45_000);

test('a collector that takes the connection and never answers: by the time shutdown resolves, its spans are counted as export_failed', async () => {
  // A TCP server that accepts and stays silent: the exporter's own timeout (10 s) fails
  // the batch before the batch processor gives up on it, so the spans are counted.
  const sockets: Socket[] = [];
  const silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const c = counters();
  try {
    const exp = new SpanExport(config(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1/traces`), c.onDropped, c.onError);
    finishTrace(exp, 3);
    finishTrace(exp, 2);
    await exp.shutdown();
  } finally {
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
  expect(c.dropped).toEqual({ queue_full: 0, export_failed: 5 });
  expect(c.errors).toEqual([]);
}, 30_000);

test('beyond MAX_IN_TRANSIT spans not yet taken by the worker, traces are dropped as queue_full; every span is delivered or counted', async () => {
  const c = counters();
  const exp = new SpanExport(config(), c.onDropped, c.onError);
  // 1,000 traces of 10 spans, in one synchronous loop: the worker cannot acknowledge any
  // of them in between, so exactly floor(MAX_IN_TRANSIT / 10) traces fit.
  const SPANS = 10;
  const TRACES = 1000;
  for (let i = 0; i < TRACES; i++) finishTrace(exp, SPANS);
  const fit = Math.floor(MAX_IN_TRANSIT / SPANS);
  expect(c.dropped).toEqual({ queue_full: (TRACES - fit) * SPANS, export_failed: 0 });

  await exp.shutdown();
  // The worker may drop more behind its own bounded queue (also counted as queue_full):
  // what was accepted either reached the collector or was counted.
  expect(receiver.spans.length + c.dropped.queue_full + c.dropped.export_failed).toBe(TRACES * SPANS);
  expect(receiver.spans.length).toBeGreaterThan(0);
  expect(c.errors).toEqual([]);
});

test('once acknowledged by the worker, spans no longer count against the in-transit bound', async () => {
  const c = counters();
  const exp = new SpanExport(config(), c.onDropped, c.onError);
  // Fill the bound exactly with traces sent at once (128 traces per message): 64 spans each.
  const SPANS = 64;
  const traces = MAX_IN_TRANSIT / SPANS;
  expect(traces % 128).toBe(0);
  for (let i = 0; i < traces; i++) finishTrace(exp, SPANS);
  finishTrace(exp, 1);
  expect(c.dropped.queue_full).toBe(1);
  // When the worker has taken them (its export queue then drops what exceeds it, counted),
  // a new trace is accepted again.
  await waitFor('the worker to take the sent spans', () => {
    const before = c.dropped.queue_full;
    finishTrace(exp, 1);
    return c.dropped.queue_full === before;
  });
  await exp.shutdown();
  expect(c.errors).toEqual([]);
});

test('a worker that dies: onError is called once and the waiting and sent spans are counted as export_failed; later traces too', async () => {
  const c = counters();
  const exp = new SpanExport(config(), c.onDropped, c.onError);
  // 128 traces are posted at once (one message); one more waits for the send timer. The
  // worker is terminated at once, while it is still starting (loading tsx and the SDK),
  // before it can take anything.
  for (let i = 0; i < 128; i++) finishTrace(exp, 2);
  finishTrace(exp, 3);
  const worker = workerOf(exp);
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  void worker.terminate();
  await exited;

  await waitFor('onError', () => c.errors.length > 0);
  expect(c.errors).toHaveLength(1);
  expect(c.errors[0]!.message).toMatch(/exited/);
  expect(c.dropped).toEqual({ queue_full: 0, export_failed: 128 * 2 + 3 });

  finishTrace(exp, 4);
  expect(c.dropped.export_failed).toBe(128 * 2 + 3 + 4);
  // Shutting down a failed export ends at once, without a second error.
  await exp.shutdown();
  expect(c.errors).toHaveLength(1);
  expect(receiver.spans).toEqual([]);
});
