import { deadPort } from '../helpers/dead-port';
import { seed } from '../helpers/policy';
import { promtool } from '../helpers/promtool';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';
import { parsePrometheusText, sumOf } from '../../src/preflight/prometheus-text';

/** Logs, metrics and readiness of a live gateway on the real PostgreSQL and Redis. */
const CAN = 'query Can($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { allowed cacheStatus } }';
const POLICY = {
  organizations: [{ id: 'acme', name: 'Acme' }],
  roles: [{ orgId: 'acme', name: 'editor', permissions: ['document:*'] }],
  memberships: [{ userId: 'bob', orgId: 'acme', roles: ['editor'] }],
};

let gw: TestGateway;
beforeAll(async () => {
  // A generous L2 deadline: the cache statuses counted below must not depend on machine load.
  gw = await startTestGateway({ LOG_LEVEL: 'debug', AUTHZ_L2_TIMEOUT_MS: '2000' });
  await seed(gw.gateway.database.prisma, POLICY);
});
afterAll(() => gw?.close());

async function scrape(target: TestGateway) {
  const res = await fetch(`${target.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const text = await res.text();
  return { text, samples: parsePrometheusText(text) };
}

async function post(target: TestGateway, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${target.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

test('one JSON log line per GraphQL request, carrying the trace ID of the request', async () => {
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const res = await post(gw, { query: CAN, variables: { u: 'bob', o: 'acme', p: 'document:edit' }, operationName: 'Can' }, { traceparent, authorization: 'Bearer s3cret-token' });
  const body = (await res.json()) as { extensions: { authz: { traceId: string } } };
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  expect(res.headers.get('x-request-id')).toBe(traceId);
  expect(body.extensions.authz.traceId).toBe(traceId);
  const lines = gw.logs.filter((l) => l.event === 'graphql_request' && l.traceId === traceId);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({
    level: 30,
    service: 'authz-gateway',
    operationName: 'Can',
    operationType: 'query',
    outcome: 'success',
    cache: { l1Hits: 0, l2Hits: 0, misses: 1, degraded: 0, disabled: 0 },
  });
  expect(typeof lines[0]!.durationMs).toBe('number');
  expect(JSON.stringify(gw.logs)).not.toContain('s3cret-token');
  // The old service's cache event names, at debug.
  expect(gw.logs.some((l) => l.event === 'authz_l2_cache_populated' && l.level === 20)).toBe(true);
  await gw.gql(CAN, { u: 'bob', o: 'acme', p: 'document:edit' });
  expect(gw.logs.some((l) => l.event === 'authz_l2_cache_hit' && l.level === 20)).toBe(true);
});

test('a failed request is logged with its outcome and error codes', async () => {
  const res = await post(gw, { query: 'query Broken { can(userId: "", orgId: "acme", permission: "x:y") { allowed } }' }, { 'x-request-id': 'req-broken-1' });
  expect(res.status).toBe(200);
  const line = gw.logs.find((l) => l.event === 'graphql_request' && l.traceId === 'req-broken-1');
  expect(line).toMatchObject({ operationName: 'Broken', outcome: 'error', errorCodes: ['BAD_USER_INPUT'] });
});

test('metrics count answers by cache status, decisions, GraphQL operations and L2/database timings', async () => {
  const before = (await scrape(gw)).samples;
  // One request: a miss then an L1 hit for the same subject; a second request: an L2 hit.
  await gw.gql(`query Two { a: can(userId: "bob", orgId: "acme", permission: "document:read") { allowed } b: can(userId: "bob", orgId: "acme", permission: "billing:refund") { allowed } }`);
  await gw.gql(CAN, { u: 'bob', o: 'acme', p: 'document:read' });
  const after = (await scrape(gw)).samples;
  const delta = (name: string, labels: Record<string, string> = {}) => sumOf(after, name, labels) - sumOf(before, name, labels);
  expect(delta('authz_check_total', { cache_status: 'l2_cache_hit' })).toBe(2);
  expect(delta('authz_check_total', { cache_status: 'l1_cache_hit' })).toBe(1);
  expect(delta('authz_check_duration_seconds_count', { cache_status: 'l2_cache_hit' })).toBe(2);
  expect(delta('authz_decisions_total', { allowed: 'true' })).toBe(2);
  expect(delta('authz_decisions_total', { allowed: 'false' })).toBe(1);
  expect(delta('authz_graphql_requests_total', { operation: 'Two' })).toBe(1);
  expect(delta('authz_graphql_requests_total', { operation: 'Can' })).toBe(1);
  expect(delta('authz_l2_operation_duration_seconds_count', { operation: 'get_many' })).toBe(2);
  // One after the other, so each request's L2 read is a get_many of its own.
  expect(delta('authz_l2_coalesced_reads_sum')).toBe(2);
  expect(delta('authz_l2_coalesced_reads_count')).toBe(2);
  expect(sumOf(after, 'authz_db_query_duration_seconds_count')).toBeGreaterThan(0);
  expect(sumOf(after, 'authz_graphql_errors_total', { operation: 'Broken', code: 'BAD_USER_INPUT' })).toBe(1);
  expect(sumOf(after, 'authz_component_up', { component: 'postgresql' })).toBe(1);
  expect(sumOf(after, 'authz_component_up', { component: 'redis' })).toBe(1);
  expect(sumOf(after, 'authz_log_events_total', { event: 'graphql_request', level: 'info' })).toBeGreaterThan(0);
  expect(sumOf(after, 'process_cpu_seconds_total')).toBeGreaterThan(0);
});

test('promtool check metrics accepts a live scrape, and every metric has help text', async () => {
  const { text } = await scrape(gw);
  const result = await promtool(['check', 'metrics'], text);
  expect(result.stdout + result.stderr).toBe('');
  expect(result.code).toBe(0);
  const names = new Set(text.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]));
  for (const name of names) expect(text).toMatch(new RegExp(`^# HELP ${name} \\S`, 'm'));
  for (const name of ['authz_check_total', 'authz_check_duration_seconds', 'authz_decisions_total', 'authz_l2_errors_total', 'authz_db_query_duration_seconds']) {
    expect(names).toContain(name);
  }
});

test('/health is liveness; /ready reports each component with its latency', async () => {
  expect(await (await fetch(`${gw.url}/health`)).json()).toEqual({ status: 'healthy' });
  const res = await fetch(`${gw.url}/ready`);
  expect(res.status).toBe(200);
  const report = (await res.json()) as Record<string, any>;
  expect(report).toMatchObject({ status: 'ready', components: { postgresql: { status: 'up' }, redis: { status: 'up' } }, cache: { l1: true, l2: 'redis' } });
  expect(typeof report.components.postgresql.latencyMs).toBe('number');
  expect(typeof report.components.redis.latencyMs).toBe('number');
});

test('Redis down: /ready is 200 degraded, L2 errors are counted, answers still come', async () => {
  const down = await startTestGateway({ REDIS_URL: `redis://127.0.0.1:${await deadPort()}` });
  try {
    await seed(down.gateway.database.prisma, POLICY);
    const answer = await down.gql(CAN, { u: 'bob', o: 'acme', p: 'document:edit' });
    expect(answer.data).toEqual({ can: { allowed: true, cacheStatus: 'DEGRADED' } });
    const res = await fetch(`${down.url}/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'degraded', components: { postgresql: { status: 'up' }, redis: { status: 'down', detail: 'unreachable' } } });
    const { samples } = await scrape(down);
    expect(sumOf(samples, 'authz_l2_errors_total', { operation: 'get_many' })).toBeGreaterThan(0);
    expect(sumOf(samples, 'authz_check_total', { cache_status: 'degraded' })).toBe(1);
    expect(sumOf(samples, 'authz_component_up', { component: 'redis' })).toBe(0);
  } finally {
    await down.close();
  }
});

test('PostgreSQL down: /ready is 503 unavailable', async () => {
  const gone = await startTestGateway({ ENABLE_METRICS: 'false' });
  try {
    await gone.database.drop();
    const res = await fetch(`${gone.url}/ready`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'unavailable', components: { postgresql: { status: 'down' }, redis: { status: 'up' } } });
    // ENABLE_METRICS=false: no /metrics route at all.
    expect((await fetch(`${gone.url}/metrics`)).status).toBe(404);
  } finally {
    await gone.close();
  }
});
