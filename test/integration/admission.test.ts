import { RawHttpConnection } from '../helpers/raw-http';
import { seed } from '../helpers/policy';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

/**
 * Admission control with a real gateway: past AUTHZ_MAX_INFLIGHT_CHECKS check items in
 * flight, requests get 503 OVERLOADED with Retry-After, while /health and /ready (outside
 * admission) keep answering 200. Statuses only: no timing is asserted.
 */
const USERS = 1000;
let gw: TestGateway;
beforeAll(async () => {
  // Room for exactly one 1,000-item request (weight 1,001), and nothing beside it.
  gw = await startTestGateway({ AUTHZ_MAX_INFLIGHT_CHECKS: '1001', AUTHZ_CACHE_ENABLED: 'false', LOG_LEVEL: 'info' });
  await seed(gw.gateway.database.prisma, {
    organizations: [{ id: 'acme', name: 'Acme' }],
    roles: [{ orgId: 'acme', name: 'editor', permissions: ['document:*'] }],
    memberships: Array.from({ length: USERS }, (_, i) => ({ userId: `u${i}`, orgId: 'acme', roles: ['editor'] })),
  });
}, 60_000);
afterAll(() => gw?.close());

const CHECKS = 'query Checks($r: [CheckInput!]!) { checks(requests: $r) { allowed } }';
const BIG = JSON.stringify({
  query: CHECKS,
  variables: { r: Array.from({ length: 1000 }, (_, i) => ({ userId: `u${i}`, orgId: 'acme', permission: 'document:read' })) },
});
const CONNECTIONS = 12;

async function overload(): Promise<{ statuses: number[]; rejected: Array<{ headers: Record<string, string>; body: any }>; health: number; ready: number }> {
  const connections = await Promise.all(Array.from({ length: CONNECTIONS }, () => RawHttpConnection.open(gw.url)));
  const probes = await RawHttpConnection.open(gw.url);
  try {
    // Written in one synchronous block: all are in the gateway's sockets before it reads any.
    const answers = connections.map((c) => c.post('/graphql', [BIG]));
    const health = probes.get('/health');
    const ready = probes.get('/ready');
    const responses = (await Promise.all(answers)).flat();
    return {
      statuses: responses.map((r) => r.status),
      rejected: responses.filter((r) => r.status === 503).map((r) => ({ headers: r.headers, body: JSON.parse(r.body) })),
      health: (await health).status,
      ready: (await ready).status,
    };
  } finally {
    for (const c of [...connections, probes]) c.close();
  }
}

async function rejectedCount(): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  return Number(/^authz_admission_rejected_total\{route="graphql"\} (\d+)$/m.exec(text)?.[1]);
}

async function expectOverloadHandled(): Promise<number> {
  const before = await rejectedCount();
  const run = await overload();
  expect(run.statuses.every((s) => s === 200 || s === 503)).toBe(true);
  expect(run.statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
  expect(run.rejected.length).toBeGreaterThan(0);
  for (const r of run.rejected) {
    expect(r.headers['retry-after']).toBe('1');
    expect(r.body).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'OVERLOADED' } }] });
  }
  expect(run.health).toBe(200);
  expect(run.ready).toBe(200);
  expect((await rejectedCount()) - before).toBe(run.rejected.length);
  return run.statuses.filter((s) => s === 200).length;
}

/** The `pipeline` of the request log lines written for `Checks` since `from`. */
function pipelines(from: number): string[] {
  return gw.logs.slice(from).filter((l) => l.event === 'graphql_request' && l.operationName === 'Checks').map((l) => l.pipeline);
}

test('through Apollo: some requests are admitted, the rest get 503 OVERLOADED with Retry-After, /health and /ready answer 200', async () => {
  const from = gw.logs.length;
  const admitted = await expectOverloadHandled();
  // The text's first sighting is Apollo's; a later admitted one may already be compiled.
  expect(pipelines(from)[0]).toBe('apollo');
  expect(pipelines(from)).toHaveLength(admitted);
});

test('on the prepared path (the text compiled before the load): the same', async () => {
  for (let i = 0; i < 2; i++) await gw.gql(CHECKS, { r: [{ userId: 'u1', orgId: 'acme', permission: 'document:read' }] });
  const from = gw.logs.length;
  const admitted = await expectOverloadHandled();
  expect(pipelines(from)).toEqual(Array.from({ length: admitted }, () => 'prepared'));
});

test('once the load is gone, a request is admitted again', async () => {
  const res = await gw.gql(CHECKS, { r: [{ userId: 'u1', orgId: 'acme', permission: 'document:read' }] });
  expect(res.status).toBe(200);
  expect(res.data).toEqual({ checks: [{ allowed: true }] });
});

test('the REST endpoint is under the same admission, and answers in its shape', async () => {
  const big = await RawHttpConnection.open(gw.url);
  const small = await Promise.all(Array.from({ length: 20 }, () => RawHttpConnection.open(gw.url)));
  try {
    const rest = JSON.stringify({ user_id: 'u1', org_id: 'acme', permission: 'document:read' });
    // While the 1,000-item request holds the whole limit, a REST check does not fit.
    const bigAnswer = big.post('/graphql', [BIG]);
    const answers = small.map((c) => c.post('/api/v1/authorization/check', [rest]));
    const responses = (await Promise.all(answers)).flat();
    expect((await bigAnswer)[0]!.status).toBe(200);
    expect(responses.every((r) => r.status === 200 || r.status === 503)).toBe(true);
    const rejected = responses.filter((r) => r.status === 503);
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of rejected) {
      expect(r.headers['retry-after']).toBe('1');
      expect(JSON.parse(r.body)).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'OVERLOADED' } }], error: { code: 'OVERLOADED', message: expect.any(String) } });
    }
  } finally {
    for (const c of [big, ...small]) c.close();
  }
});
