import net from 'node:net';
import { seed } from '../helpers/policy';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

const CAN = `query Can($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { allowed cacheStatus } }`;
const POLICY = {
  organizations: [{ id: 'acme', name: 'Acme' }],
  roles: [{ orgId: 'acme', name: 'editor', permissions: ['document:*'] }],
  memberships: [{ userId: 'bob', orgId: 'acme', roles: ['editor'] }],
};

/** The L2 backend as `/ready` reports it: `redis`, `memory` or `disabled`. */
async function l2Kind(gw: TestGateway): Promise<string> {
  return ((await (await fetch(`${gw.url}/ready`)).json()) as { cache: { l2: string } }).cache.l2;
}

async function statuses(gw: TestGateway, times: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < times; i++) {
    const res = await gw.gql<{ can: { allowed: boolean; cacheStatus: string } }>(CAN, { u: 'bob', o: 'acme', p: 'document:edit' });
    expect(res.data!.can.allowed).toBe(true);
    out.push(res.data!.can.cacheStatus);
  }
  return out;
}

/** A port on which nothing listens: bind one, then close it. */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('AUTHZ_L2_CACHE_ENABLED=false: every request loads from PostgreSQL, status DISABLED', async () => {
  const gw = await startTestGateway({ AUTHZ_L2_CACHE_ENABLED: 'false' });
  try {
    await seed(gw.gateway.database.prisma, POLICY);
    expect(await statuses(gw, 2)).toEqual(['DISABLED', 'DISABLED']);
    expect(await l2Kind(gw)).toBe('disabled');
  } finally {
    await gw.close();
  }
});

test('AUTHZ_CACHE_ENABLED=false: no L1 either, even within one request', async () => {
  const gw = await startTestGateway({ AUTHZ_CACHE_ENABLED: 'false' });
  try {
    await seed(gw.gateway.database.prisma, POLICY);
    const res = await gw.gql(`{ a: can(userId: "bob", orgId: "acme", permission: "document:read") { cacheStatus } b: can(userId: "bob", orgId: "acme", permission: "x:read") { cacheStatus } }`);
    expect(res.data).toEqual({ a: { cacheStatus: 'DISABLED' }, b: { cacheStatus: 'DISABLED' } });
  } finally {
    await gw.close();
  }
});

test('no Redis configured: the in-memory L2 serves hits', async () => {
  const gw = await startTestGateway({ REDIS_URL: '' });
  try {
    await seed(gw.gateway.database.prisma, POLICY);
    expect(await l2Kind(gw)).toBe('memory');
    expect(await statuses(gw, 2)).toEqual(['MISS', 'L2_HIT']);
  } finally {
    await gw.close();
  }
});

test('Redis refusing connections: answers come from PostgreSQL as DEGRADED, and the gateway still starts', async () => {
  const gw = await startTestGateway({ REDIS_URL: `redis://127.0.0.1:${await deadPort()}`, LOG_LEVEL: 'info' });
  try {
    await seed(gw.gateway.database.prisma, POLICY);
    expect(await statuses(gw, 3)).toEqual(['DEGRADED', 'DEGRADED', 'DEGRADED']);
    const res = await gw.gql(CAN, { u: 'nobody', o: 'acme', p: 'document:edit' });
    expect(res.data).toEqual({ can: { allowed: false, cacheStatus: 'DEGRADED' } });
    expect(res.extensions!.authz!.cache.degraded).toBe(1);
    // A change that cannot fence Redis is not made: a clear code, and PostgreSQL unchanged.
    const revoke = await gw.gql(`mutation { unassignRole(userId: "bob", orgId: "acme", role: "editor") { member { roles } } }`);
    expect(revoke.status).toBe(503);
    expect(revoke.errors?.map((e) => e.extensions?.code)).toEqual(['L2_UNAVAILABLE']);
    expect(await gw.gateway.database.prisma.membershipRole.count({ where: { orgId: 'acme', userId: 'bob' } })).toBe(1);
    const after = await gw.gql(CAN, { u: 'bob', o: 'acme', p: 'document:edit' });
    expect(after.data).toEqual({ can: { allowed: true, cacheStatus: 'DEGRADED' } });
  } finally {
    await gw.close();
  }
});
