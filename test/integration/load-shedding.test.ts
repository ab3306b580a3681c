import { waitFor } from '../helpers/wait-for';
import { seed } from '../helpers/policy';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

/**
 * Load shedding (@fastify/under-pressure) and the operations port, with a real gateway.
 * The pressure is made for real: a heap bound of 1 MB, which any Node process is past,
 * so from the first sample on every decision request is shed. Statuses only.
 */
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ AUTHZ_MAX_HEAP_USED_MB: '1', AUTHZ_OPS_PORT: '0', AUTHZ_CACHE_ENABLED: 'false', LOG_LEVEL: 'info' });
  await seed(gw.gateway.database.prisma, {
    organizations: [{ id: 'acme', name: 'Acme' }],
    roles: [{ orgId: 'acme', name: 'editor', permissions: ['document:*'] }],
    memberships: [{ userId: 'u1', orgId: 'acme', roles: ['editor'] }],
  });
  // The plugin samples the heap every second: wait for the first sample to count.
  await waitFor('decision requests shed under the heap bound', async () => (await post('/graphql', CAN)).status === 503, { timeoutMs: 15_000 });
}, 60_000);
afterAll(() => gw?.close());

const CAN = JSON.stringify({ query: '{ can(userId: "u1", orgId: "acme", permission: "document:read") { allowed } }' });

function post(path: string, body: string): Promise<Response> {
  return fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
}

async function shedCount(route: string): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  return Number(new RegExp(`^authz_load_shed_total\\{route="${route}",reason="heap_used"\\} (\\d+)$`, 'm').exec(text)?.[1]);
}

test('decision requests get 503 OVERLOADED with Retry-After in the one error shape, and are counted', async () => {
  const before = await shedCount('graphql');
  const res = await post('/graphql', CAN);
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('1');
  expect(await res.json()).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'OVERLOADED' } }] });
  expect((await shedCount('graphql')) - before).toBe(1);
});

test('the REST check is shed too, in its shape', async () => {
  const before = await shedCount('rest');
  const res = await post('/api/v1/authorization/check', JSON.stringify({ user_id: 'u1', org_id: 'acme', permission: 'document:read' }));
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('1');
  expect(await res.json()).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'OVERLOADED' } }], error: { code: 'OVERLOADED', message: expect.any(String) } });
  expect((await shedCount('rest')) - before).toBe(1);
});

test('/health, /ready and /metrics still answer 200 on the main port, and CORS preflights are not shed', async () => {
  for (const path of ['/health', '/ready', '/metrics']) expect((await fetch(`${gw.url}${path}`)).status).toBe(200);
  const preflight = await fetch(`${gw.url}/graphql`, { method: 'OPTIONS' });
  expect(preflight.status).not.toBe(503);
});

test('the operations port answers /health, /ready and /metrics, and nothing else', async () => {
  const ops = gw.gateway.opsUrl!;
  expect(ops).not.toBe(gw.url);
  const health = await fetch(`${ops}/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: 'healthy' });
  expect(health.headers.get('x-request-id')).toEqual(expect.any(String));
  expect((await fetch(`${ops}/ready`)).status).toBe(200);
  expect(await (await fetch(`${ops}/metrics`)).text()).toMatch(/^authz_load_shed_total/m);
  const graphql = await fetch(`${ops}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: CAN });
  expect(graphql.status).toBe(404);
  expect(await graphql.json()).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'NOT_FOUND' } }] });
});
