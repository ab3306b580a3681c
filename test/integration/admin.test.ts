import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.close());

const CAN = `query Can($u: ID!, $o: ID!, $p: String!, $c: Consistency) { can(userId: $u, orgId: $o, permission: $p, consistency: $c) { allowed cacheStatus } }`;

async function ok<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await gw.gql<T>(query, variables);
  expect(res.errors).toBeUndefined();
  return res.data!;
}

async function code(query: string, variables?: Record<string, unknown>): Promise<string | undefined> {
  const res = await gw.gql(query, variables);
  return res.errors?.[0]?.extensions?.code;
}

async function counts() {
  const prisma = gw.gateway.database.prisma;
  return { events: await prisma.auditEvent.count(), members: await prisma.membership.count(), roles: await prisma.role.count(), grants: await prisma.grant.count() };
}

describe('mutations return the new state and a consistency token', () => {
  test('organization, roles, members and grants', async () => {
    const org = await ok(`mutation { createOrganization(id: "acme", name: "Acme") { organization { id name revision } consistencyToken } }`);
    expect(org.createOrganization.organization).toEqual({ id: 'acme', name: 'Acme', revision: 1 });
    expect(org.createOrganization.consistencyToken).toMatch(/^v1\./);
    const role = await ok(`mutation { createRole(orgId: "acme", name: "editor", permissions: ["document:*", "comment:write", "document:*"]) { role { name permissions } } }`);
    expect(role.createRole.role).toEqual({ name: 'editor', permissions: ['comment:write', 'document:*'] });
    await ok(`mutation { createRole(orgId: "acme", name: "viewer", permissions: ["*:read"]) { role { name } } }`);
    const added = await ok(`mutation { addMember(userId: "bob", orgId: "acme", roles: ["editor"]) { member { userId roles grants { permission } } } }`);
    expect(added.addMember.member).toEqual({ userId: 'bob', roles: ['editor'], grants: [] });
    const assigned = await ok(`mutation { assignRole(userId: "bob", orgId: "acme", role: "viewer") { member { roles } } }`);
    expect(assigned.assignRole.member.roles).toEqual(['editor', 'viewer']);
    const granted = await ok(`mutation { grantPermission(userId: "bob", orgId: "acme", permission: "report:export", expiresAt: "2099-01-01T00:00:00Z") { member { grants { permission expiresAt expired } } } }`);
    expect(granted.grantPermission.member.grants).toEqual([{ permission: 'report:export', expiresAt: '2099-01-01T00:00:00.000Z', expired: false }]);
    const unassigned = await ok(`mutation { unassignRole(userId: "bob", orgId: "acme", role: "viewer") { member { roles } } }`);
    expect(unassigned.unassignRole.member.roles).toEqual(['editor']);
    const perms = await ok(`mutation { setRolePermissions(orgId: "acme", role: "editor", permissions: ["document:read"]) { role { permissions } } }`);
    expect(perms.setRolePermissions.role.permissions).toEqual(['document:read']);
    const renamed = await ok(`mutation { renameRole(orgId: "acme", role: "editor", newName: "writer") { role { name } } }`);
    expect(renamed.renameRole.role.name).toBe('writer');
    const read = await ok(`{ organization(id: "acme") { name revision memberCount roles { name permissions } members { members { userId roles } pageInfo { hasNextPage } } } }`);
    expect(read.organization).toEqual({
      name: 'Acme',
      revision: 9,
      memberCount: 1,
      roles: [{ name: 'viewer', permissions: ['*:read'] }, { name: 'writer', permissions: ['document:read'] }],
      members: { members: [{ userId: 'bob', roles: ['writer'] }], pageInfo: { hasNextPage: false } },
    });
  });
});

describe('errors have codes, and a failed mutation changes nothing', () => {
  test.each([
    ['BAD_USER_INPUT', `mutation { createRole(orgId: "acme", name: "bad", permissions: ["Document:read"]) { role { name } } }`],
    ['BAD_USER_INPUT', `mutation { createOrganization(id: "", name: "x") { organization { id } } }`],
    ['BAD_USER_INPUT', `mutation { grantPermission(userId: "bob", orgId: "acme", permission: "a:b", expiresAt: "2001-01-01T00:00:00Z") { member { userId } } }`],
    ['BAD_USER_INPUT', `mutation { grantPermission(userId: "bob", orgId: "acme", permission: "a:b", expiresAt: "next week") { member { userId } } }`],
    ['NOT_FOUND', `mutation { createRole(orgId: "nope", name: "r", permissions: []) { role { name } } }`],
    ['NOT_FOUND', `mutation { assignRole(userId: "bob", orgId: "acme", role: "ghost") { member { userId } } }`],
    ['NOT_FOUND', `mutation { assignRole(userId: "stranger", orgId: "acme", role: "viewer") { member { userId } } }`],
    ['NOT_FOUND', `mutation { revokePermission(userId: "bob", orgId: "acme", permission: "never:granted") { member { userId } } }`],
    ['NOT_FOUND', `mutation { removeMember(userId: "stranger", orgId: "acme") { member { userId } } }`],
    ['NOT_FOUND', `mutation { deleteRole(orgId: "acme", role: "ghost") { role { name } } }`],
    ['CONFLICT', `mutation { createOrganization(id: "acme", name: "again") { organization { id } } }`],
    ['CONFLICT', `mutation { createRole(orgId: "acme", name: "viewer", permissions: []) { role { name } } }`],
    ['CONFLICT', `mutation { renameRole(orgId: "acme", role: "viewer", newName: "writer") { role { name } } }`],
    ['CONFLICT', `mutation { addMember(userId: "bob", orgId: "acme") { member { userId } } }`],
    ['NOT_FOUND', `mutation { addMember(userId: "zed", orgId: "acme", roles: ["viewer", "ghost"]) { member { userId } } }`],
  ])('%s: %s', async (expected, mutation) => {
    const before = await counts();
    const revision = (await ok(`{ organization(id: "acme") { revision } }`)).organization.revision;
    expect(await code(mutation)).toBe(expected);
    expect(await counts()).toEqual(before);
    expect((await ok(`{ organization(id: "acme") { revision } }`)).organization.revision).toBe(revision);
  });
});

describe('decisions follow mutations at once', () => {
  test('a revoke is seen by the next check, even with the set cached', async () => {
    await ok(`mutation { grantPermission(userId: "bob", orgId: "acme", permission: "vault:open") { member { userId } } }`);
    await ok(CAN, { u: 'bob', o: 'acme', p: 'vault:open' });
    expect((await ok(CAN, { u: 'bob', o: 'acme', p: 'vault:open' })).can).toEqual({ allowed: true, cacheStatus: 'L2_HIT' });
    await ok(`mutation { revokePermission(userId: "bob", orgId: "acme", permission: "vault:open") { member { userId } } }`);
    expect((await ok(CAN, { u: 'bob', o: 'acme', p: 'vault:open' })).can).toEqual({ allowed: false, cacheStatus: 'MISS' });
  });

  test('consistency modes: FULLY_CONSISTENT skips L2; AT_LEAST_AS_FRESH refuses a set older than its token', async () => {
    await ok(CAN, { u: 'bob', o: 'acme', p: 'document:read' });
    const warm = await gw.gql(CAN, { u: 'bob', o: 'acme', p: 'document:read' });
    expect(warm.data!.can.cacheStatus).toBe('L2_HIT');
    expect(warm.extensions!.authz!.consistency).toBe('MINIMIZE_LATENCY');
    const full = await gw.gql(CAN, { u: 'bob', o: 'acme', p: 'document:read', c: { mode: 'FULLY_CONSISTENT' } });
    expect(full.data!.can).toEqual({ allowed: true, cacheStatus: 'MISS' });
    expect(full.extensions!.authz!.consistency).toBe('FULLY_CONSISTENT');

    // Change PostgreSQL behind the caches' back (as a lost invalidation would): the
    // cached set is now stale, and only a fresher read may notice.
    const prisma = gw.gateway.database.prisma;
    await prisma.role.update({ where: { orgId_name: { orgId: 'acme', name: 'writer' } }, data: { permissions: [] } });
    const { revision } = await prisma.organization.update({ where: { id: 'acme' }, data: { revision: { increment: 1 } } });
    const token = `v1.${Buffer.from('acme').toString('base64url')}.${revision}`;
    expect((await ok(CAN, { u: 'bob', o: 'acme', p: 'document:read' })).can).toEqual({ allowed: true, cacheStatus: 'L2_HIT' });
    const fresh = await gw.gql(CAN, { u: 'bob', o: 'acme', p: 'document:read', c: { mode: 'AT_LEAST_AS_FRESH', token } });
    expect(fresh.data!.can).toEqual({ allowed: false, cacheStatus: 'MISS' });
    expect(fresh.extensions!.authz!.consistency).toBe('AT_LEAST_AS_FRESH');
    // The fresh load was written back: the next default read is right too.
    expect((await ok(CAN, { u: 'bob', o: 'acme', p: 'document:read' })).can).toEqual({ allowed: false, cacheStatus: 'L2_HIT' });
  });

  test('a bad consistency argument is BAD_USER_INPUT', async () => {
    expect(await code(CAN, { u: 'bob', o: 'acme', p: 'a:b', c: { mode: 'AT_LEAST_AS_FRESH' } })).toBe('BAD_USER_INPUT');
    expect(await code(CAN, { u: 'bob', o: 'acme', p: 'a:b', c: { mode: 'AT_LEAST_AS_FRESH', token: 'forged' } })).toBe('BAD_USER_INPUT');
  });
});

describe('explain', () => {
  const EXPLAIN = `query E($u: ID!, $o: ID!, $p: String!) { explain(userId: $u, orgId: $o, permission: $p) { allowed code summary matches { pattern source role expiresAt } expiredMatches { pattern source expiresAt } } }`;

  beforeAll(async () => {
    await ok(`mutation { createOrganization(id: "exp", name: "Explain") { consistencyToken } }`);
    await ok(`mutation { createRole(orgId: "exp", name: "reader", permissions: ["*:read"]) { consistencyToken } }`);
    await ok(`mutation { addMember(userId: "ann", orgId: "exp", roles: ["reader"]) { consistencyToken } }`);
    await ok(`mutation { grantPermission(userId: "ann", orgId: "exp", permission: "report:*", expiresAt: "2099-06-01T00:00:00Z") { consistencyToken } }`);
    await gw.gateway.database.prisma.grant.create({ data: { orgId: 'exp', userId: 'ann', permission: 'vault:open', expiresAt: new Date('2020-01-01T00:00:00Z') } });
  });

  async function explain(u: string, o: string, p: string) {
    return (await ok(EXPLAIN, { u, o, p })).explain;
  }

  test('allowed by a role, with the role named', async () => {
    expect(await explain('ann', 'exp', 'wiki:read')).toMatchObject({ allowed: true, code: 'ALLOWED', matches: [{ pattern: '*:read', source: 'ROLE', role: 'reader', expiresAt: null }] });
  });
  test('allowed by a direct grant, with its expiry; both sources listed when both match', async () => {
    const e = await explain('ann', 'exp', 'report:read');
    expect(e.allowed).toBe(true);
    expect(e.matches).toEqual([
      { pattern: '*:read', source: 'ROLE', role: 'reader', expiresAt: null },
      { pattern: 'report:*', source: 'DIRECT_GRANT', role: null, expiresAt: '2099-06-01T00:00:00.000Z' },
    ]);
  });
  test('denied: grant expired', async () => {
    expect(await explain('ann', 'exp', 'vault:open')).toMatchObject({ allowed: false, code: 'GRANT_EXPIRED', matches: [], expiredMatches: [{ pattern: 'vault:open', expiresAt: '2020-01-01T00:00:00.000Z' }] });
  });
  test('denied: no matching pattern, not a member, no such organization', async () => {
    expect(await explain('ann', 'exp', 'wiki:write')).toMatchObject({ allowed: false, code: 'NO_MATCHING_PATTERN' });
    expect(await explain('zed', 'exp', 'wiki:read')).toMatchObject({ allowed: false, code: 'NOT_A_MEMBER' });
    expect(await explain('ann', 'ghost', 'wiki:read')).toMatchObject({ allowed: false, code: 'ORGANIZATION_NOT_FOUND' });
  });
  test('explain agrees with can', async () => {
    for (const p of ['wiki:read', 'report:export', 'vault:open', 'wiki:write']) {
      expect((await explain('ann', 'exp', p)).allowed).toBe((await ok(CAN, { u: 'ann', o: 'exp', p })).can.allowed);
    }
  });
});

describe('audit trail', () => {
  test('every mutation writes an event with actor, before and after; newest first, paginated', async () => {
    await ok(`mutation { createOrganization(id: "aud", name: "Audit") { consistencyToken } }`);
    await ok(`mutation { createRole(orgId: "aud", name: "r", permissions: ["a:b"]) { consistencyToken } }`);
    await ok(`mutation { addMember(userId: "u", orgId: "aud", roles: ["r"]) { consistencyToken } }`);
    await ok(`mutation { grantPermission(userId: "u", orgId: "aud", permission: "c:d") { consistencyToken } }`);
    await ok(`mutation { revokePermission(userId: "u", orgId: "aud", permission: "c:d") { consistencyToken } }`);
    await ok(`mutation { removeMember(userId: "u", orgId: "aud") { consistencyToken } }`);
    await ok(`mutation { deleteRole(orgId: "aud", role: "r") { consistencyToken } }`);
    await ok(`mutation { renameOrganization(id: "aud", name: "Audited") { consistencyToken } }`);
    await ok(`mutation { deleteOrganization(id: "aud") { consistencyToken } }`);
    const Q = `query A($after: String) { auditLog(orgId: "aud", first: 5, after: $after) { events { action actor revision before after target } pageInfo { hasNextPage endCursor } } }`;
    const first = (await ok(Q)).auditLog;
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await ok(Q, { after: first.pageInfo.endCursor })).auditLog;
    expect(second.pageInfo).toEqual({ hasNextPage: false, endCursor: expect.any(String) });
    const events = [...first.events, ...second.events];
    expect(events.map((e: { action: string }) => e.action)).toEqual([
      'deleteOrganization', 'renameOrganization', 'deleteRole', 'removeMember', 'revokePermission', 'grantPermission', 'addMember', 'createRole', 'createOrganization',
    ]);
    expect(events.map((e: { revision: number }) => e.revision)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(events.every((e: { actor: string }) => e.actor === 'anonymous')).toBe(true);
    const revoke = events[4];
    expect(JSON.parse(revoke.target)).toEqual({ userId: 'u', permission: 'c:d' });
    expect(JSON.parse(revoke.before).grants).toEqual([{ permission: 'c:d', expiresAt: null }]);
    expect(JSON.parse(revoke.after).grants).toEqual([]);
    expect(events[0].after).toBeNull();
    expect(events[8].before).toBeNull();
  });
});
