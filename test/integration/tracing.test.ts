import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';
import { waitFor } from '../helpers/wait-for';

// OpenTelemetry traces, received by a local OTLP/HTTP endpoint. The gateway is closed
// before the spans are read: closing has the export worker export every queued span
// before it stops, so no waiting is needed.

const CAN = 'query Can($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { allowed cacheStatus } }';
const CHECKS = 'query Checks($r: [CheckInput!]!) { checks(requests: $r) { allowed } }';
const CREATE_ORG = 'mutation CreateOrg($id: ID!) { createOrganization(id: $id, name: "Traced") { organization { id } } }';

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());

interface Sent {
  traceId: string;
  body: Record<string, any>;
}

async function send(gw: TestGateway, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Sent> {
  const response = await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return { traceId: response.headers.get('x-request-id')!, body: (await response.json()) as Record<string, any> };
}

function tracing(protocol: string): Record<string, string> {
  return { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_SERVICE_NAME: 'authz-test', LOG_LEVEL: 'info' };
}

/** The spans of one trace as an indented tree of names (children sorted), for comparison. */
function tree(spans: ReceivedSpan[], traceId: string): string[] {
  const mine = spans.filter((s) => s.traceId === traceId);
  const lines: string[] = [];
  const walk = (parent: ReceivedSpan, depth: number) => {
    lines.push(`${'  '.repeat(depth)}${parent.name}`);
    for (const child of mine.filter((s) => s.parentSpanId === parent.spanId).sort((a, b) => a.name.localeCompare(b.name))) walk(child, depth + 1);
  };
  for (const root of mine.filter((s) => !mine.some((p) => p.spanId === s.parentSpanId))) walk(root, 0);
  return lines;
}

const span = (spans: ReceivedSpan[], traceId: string, name: string) => spans.find((s) => s.traceId === traceId && s.name === name);

test('http/json: one trace per request with the operation, decision, L2, store and mutation spans, on both paths', async () => {
  receiver.spans.splice(0);
  const gw = await startTestGateway(tracing('http/json'));
  const can = { u: 'bob', o: 'traced', p: 'document:read' };
  let mutation: Sent, cold: Sent, warm: Sent, warmApollo: Sent, checks: Sent, continued: Sent;
  const warmSends: Sent[] = [];
  const parent = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
  try {
    mutation = await send(gw, CREATE_ORG, { id: 'traced' });
    expect(mutation.body.errors).toBeUndefined();
    cold = await send(gw, CAN, can);
    expect(cold.body.data.can.cacheStatus).toBe('MISS');
    // The write-back to L2 is not awaited by the response: send until an L2 hit (bounded).
    for (let i = 0; i < 50; i++) {
      warm = await send(gw, CAN, can);
      warmSends.push(warm);
      if (warm.body.data.can.cacheStatus === 'L2_HIT' && warmSends.length >= 3) break;
    }
    expect(warm!.body.data.can.cacheStatus).toBe('L2_HIT');
    // A text seen for the first time is Apollo's: the same warm `can` through Apollo.
    warmApollo = await send(gw, `${CAN} `, can);
    checks = await send(gw, CHECKS, { r: [{ userId: 'bob', orgId: 'traced', permission: 'a:b' }, { userId: 'carol', orgId: 'traced', permission: 'a:b' }, { userId: 'dave', orgId: 'traced', permission: 'a:b' }] });
    continued = await send(gw, CAN, can, { traceparent: `00-${parent.traceId}-${parent.spanId}-01` });
  } finally {
    await gw.close();
  }
  const spans = receiver.spans;

  // The mutation: its operation span, and the policy change inside it.
  expect(tree(spans, mutation.traceId)).toEqual(['mutation CreateOrg', '  authz.policy_change']);
  expect(span(spans, mutation.traceId, 'mutation CreateOrg')!.attributes).toMatchObject({ 'graphql.operation.name': 'CreateOrg', 'graphql.operation.type': 'mutation', 'http.request.method': 'POST', 'http.response.status_code': 200 });
  expect(span(spans, mutation.traceId, 'authz.policy_change')!.attributes).toMatchObject({ 'authz.change': 'createOrganization', 'db.system': 'postgresql' });

  // A cold `can`: the decision reads L2 (nothing there) and loads one pair from PostgreSQL.
  expect(tree(spans, cold.traceId)).toEqual(['query Can', '  authz.decision', '    MGET', '    SELECT permissions']);
  expect(span(spans, cold.traceId, 'authz.decision')!.attributes).toMatchObject({ 'authz.decision.kind': 'can', 'authz.checks': 1, 'authz.allowed': 0 });
  expect(span(spans, cold.traceId, 'MGET')!.attributes).toMatchObject({ 'db.system': 'redis', 'authz.l2.keys': 3, 'authz.l2.hits': expect.any(Number) });
  expect(span(spans, cold.traceId, 'SELECT permissions')!.attributes).toMatchObject({ 'db.system': 'postgresql', 'authz.store.pairs': 1 });

  // A warm `can`: L2 answers, no store span; hits counted.
  expect(tree(spans, warm!.traceId)).toEqual(['query Can', '  authz.decision', '    MGET']);
  expect(span(spans, warm!.traceId, 'MGET')!.attributes['authz.l2.hits']).toBe(3);

  // Both paths give the same spans: the warm `can` above was prepared, this one Apollo's.
  expect(span(spans, warm!.traceId, 'query Can')!.attributes['authz.pipeline']).toBe('prepared');
  expect(span(spans, warmApollo!.traceId, 'query Can')!.attributes['authz.pipeline']).toBe('apollo');
  expect(tree(spans, warmApollo!.traceId)).toEqual(tree(spans, warm!.traceId));
  const attributes = (traceId: string) => spans.filter((s) => s.traceId === traceId).map((s) => [s.name, Object.keys(s.attributes).sort()]).sort();
  expect(attributes(warmApollo!.traceId)).toEqual(attributes(warm!.traceId));

  // `checks`: one decision span with the number of checks.
  expect(tree(spans, checks.traceId)[0]).toBe('query Checks');
  expect(span(spans, checks.traceId, 'authz.decision')!.attributes).toMatchObject({ 'authz.decision.kind': 'checks', 'authz.checks': 3, 'authz.allowed': 0 });

  // A caller's traceparent is continued: same trace, the caller's span as parent.
  expect(continued.traceId).toBe(parent.traceId);
  const root = span(spans, parent.traceId, 'query Can')!;
  expect(root.parentSpanId).toBe(parent.spanId);
  expect(continued.body.extensions.authz.traceId).toBe(parent.traceId);

  // The trace ID is the request's everywhere: header, extensions, log line.
  for (const sent of [cold, warm!, checks]) {
    expect(sent.body.extensions.authz.traceId).toBe(sent.traceId);
    expect(gw.logs.some((l) => l.event === 'graphql_request' && l.traceId === sent.traceId)).toBe(true);
    expect(spans.some((s) => s.traceId === sent.traceId && s.parentSpanId === '')).toBe(true);
  }
  expect(receiver.contentTypes.every((t) => t.startsWith('application/json'))).toBe(true);
});

test('concurrent requests, their L2 reads coalesced and their store loads shared, each keep their own spans', async () => {
  receiver.spans.splice(0);
  const gw = await startTestGateway(tracing('http/json'));
  let sent: Sent[];
  try {
    sent = await Promise.all(Array.from({ length: 20 }, (_, i) => send(gw, CAN, { u: `user${i}`, o: 'nowhere', p: 'document:read' })));
  } finally {
    await gw.close();
  }
  const spans = receiver.spans;
  expect(new Set(sent.map((s) => s.traceId)).size).toBe(20);
  for (const { traceId } of sent) {
    // Each request's own read (its 3 keys), under its own decision, whatever MGET carried it.
    const decision = span(spans, traceId, 'authz.decision')!;
    const reads = spans.filter((s) => s.traceId === traceId && s.name === 'MGET');
    expect(reads).toHaveLength(1);
    expect(reads[0]!.parentSpanId).toBe(decision.spanId);
    expect(reads[0]!.attributes['authz.l2.keys']).toBe(3);
    for (const load of spans.filter((s) => s.traceId === traceId && s.name === 'SELECT permissions')) expect(load.parentSpanId).toBe(decision.spanId);
  }
  // Single flight merges the misses of a turn into one load, traced once (in the first
  // waiting request's trace): the loads' spans cover the 20 pairs exactly once.
  const loads = spans.filter((s) => s.name === 'SELECT permissions' && sent.some((x) => x.traceId === s.traceId));
  expect(loads.reduce((sum, s) => sum + Number(s.attributes['authz.store.pairs']), 0)).toBe(20);
});

test('http/protobuf: spans arrive as protobuf and decode', async () => {
  receiver.spans.splice(0);
  receiver.contentTypes.splice(0);
  const gw = await startTestGateway(tracing('http/protobuf'));
  let sent: Sent;
  try {
    sent = await send(gw, CAN, { u: 'bob', o: 'nowhere', p: 'document:read' });
  } finally {
    await gw.close();
  }
  expect(receiver.contentTypes.length).toBeGreaterThan(0);
  expect(receiver.contentTypes.every((t) => t.startsWith('application/x-protobuf'))).toBe(true);
  expect(tree(receiver.spans, sent.traceId)).toEqual(['query Can', '  authz.decision', '    MGET', '    SELECT permissions']);
});

test("the trace ID is the request's ID: a new random one without headers, and a caller's x-request-id replaced by one", async () => {
  receiver.spans.splice(0);
  const gw = await startTestGateway(tracing('http/protobuf'));
  let plain: Sent, named: Sent;
  try {
    plain = await send(gw, CAN, { u: 'bob', o: 'nowhere', p: 'document:read' });
    named = await send(gw, CAN, { u: 'bob', o: 'nowhere', p: 'document:read' }, { 'x-request-id': 'req-1' });
  } finally {
    await gw.close();
  }
  for (const sent of [plain, named]) {
    expect(sent.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(sent.body.extensions.authz.traceId).toBe(sent.traceId);
    expect(tree(receiver.spans, sent.traceId)[0]).toBe('query Can');
  }
  expect(named.traceId).not.toBe(plain.traceId);
});

test('sampling: parentbased_traceidratio 0 exports nothing of a new trace, and follows a sampled parent', async () => {
  receiver.spans.splice(0);
  const gw = await startTestGateway({ ...tracing('http/json'), OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' });
  let unsampled: Sent;
  const parentTrace = '0af7651916cd43dd8448eb211c80319c';
  try {
    unsampled = await send(gw, CAN, { u: 'bob', o: 'nowhere', p: 'document:read' });
    await send(gw, CAN, { u: 'bob', o: 'nowhere', p: 'document:read' }, { traceparent: `00-${parentTrace}-b7ad6b7169203331-01` });
  } finally {
    await gw.close();
  }
  // Not sampled, but still a trace ID of its own (header and log line).
  expect(unsampled.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(receiver.spans.filter((s) => s.traceId === unsampled.traceId)).toEqual([]);
  expect(tree(receiver.spans, parentTrace)[0]).toBe('query Can');
});

test('an unreachable collector fails no request, the lost spans are counted, and the log says why', async () => {
  const gw = await startTestGateway({ ...tracing('http/protobuf'), OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' });
  try {
    for (let i = 0; i < 5; i++) {
      const sent = await send(gw, CAN, { u: 'bob', o: 'nowhere', p: 'document:read' });
      expect(sent.body.data.can.allowed).toBe(false);
    }
    // The batch is exported on the processor's timer; poll the counter (bounded).
    let dropped = 0;
    await waitFor('authz_trace_spans_dropped_total{reason="export_failed"} above 0', async () => {
      const text = await (await fetch(`${gw.url}/metrics`)).text();
      dropped = Number(/^authz_trace_spans_dropped_total\{reason="export_failed"\} (\d+)/m.exec(text)?.[1] ?? 0);
      return dropped > 0;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    // 5 requests of 4 spans each (operation, decision, MGET, SELECT), in one or more batches.
    expect(dropped).toBeGreaterThanOrEqual(4);
    // One line (at most one a minute), with the exporter's reason and the spans it covers.
    const lines = gw.logs.filter((l) => l.event === 'authz_trace_export_error');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe(40);
    expect(lines[0]!.cause).toMatch(/ECONNREFUSED 127\.0\.0\.1:1/);
    expect(lines[0]!.spansDropped).toBeGreaterThanOrEqual(4);
  } finally {
    await gw.close();
  }
}, 60_000);
