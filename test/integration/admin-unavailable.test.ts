import { bringDatabaseUp, takeDatabaseDown } from '../helpers/pg-faults';
import { seed } from '../helpers/policy';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

/**
 * Admin reads whose database fails answer as decisions do: HTTP 503 with
 * AUTHZ_UNAVAILABLE and a trace ID (PostgreSQL made unavailable for real: the test
 * database refuses connections and its sessions are terminated).
 */
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ AUTHZ_L2_CACHE_ENABLED: 'false' });
  await seed(gw.gateway.database.prisma, {
    organizations: [{ id: 'acme', name: 'Acme' }],
    roles: [{ orgId: 'acme', name: 'editor', permissions: ['document:*'] }],
    memberships: [{ userId: 'bob', orgId: 'acme', roles: ['editor'] }],
  });
});
afterAll(async () => {
  await bringDatabaseUp(gw.database.name).catch(() => undefined);
  await gw?.close();
});

const READS: Array<[string, string]> = [
  ['organizations', `{ organizations { id } }`],
  ['organization', `{ organization(id: "acme") { id } }`],
  ['roles', `{ organization(id: "acme") { roles { name } } }`],
  ['members', `{ organization(id: "acme") { members(search: "b") { members { userId } } } }`],
  ['memberCount', `{ organization(id: "acme") { memberCount } }`],
  ['member', `{ member(orgId: "acme", userId: "bob") { roles } }`],
  ['auditLog', `{ auditLog(orgId: "acme") { events { action } } }`],
  ['can (the reference)', `{ can(userId: "bob", orgId: "acme", permission: "document:read") { allowed } }`],
];

test('with the database up every read answers 200', async () => {
  for (const [, query] of READS) {
    const res = await gw.gql(query);
    expect({ query, status: res.status, errors: res.errors }).toEqual({ query, status: 200, errors: undefined });
  }
});

test('with the database down every read answers 503 AUTHZ_UNAVAILABLE, as a decision does', async () => {
  await takeDatabaseDown(gw.database.name);
  try {
    for (const [name, query] of READS) {
      const res = await gw.gql(query);
      expect({ name, status: res.status, code: res.errors?.[0]?.extensions?.code }).toEqual({ name, status: 503, code: 'AUTHZ_UNAVAILABLE' });
      expect((res.errors![0]!.extensions as { traceId?: string }).traceId).toEqual(expect.any(String));
      expect(res.errors![0]!.message).not.toMatch(/postgres|connect|database "/i);
    }
  } finally {
    await bringDatabaseUp(gw.database.name);
  }
});
