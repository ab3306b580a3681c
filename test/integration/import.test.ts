import { runScript, writeJson } from '../helpers/cli';
import { deadPort } from '../helpers/dead-port';
import { TEST_REDIS_URL } from '../helpers/services';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

const CAN = `query Can($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { allowed cacheStatus } }`;

const POLICY = {
  organizations: [{ id: 'acme', name: 'Acme' }],
  roles: [
    { orgId: 'acme', name: 'editor', permissions: ['document:*'] },
    { orgId: 'acme', name: 'viewer', permissions: ['*:read'] },
  ],
  memberships: [
    { userId: 'bob', orgId: 'acme', roles: ['editor'] },
    { userId: 'carol', orgId: 'acme', roles: ['viewer'] },
  ],
  grants: [{ userId: 'carol', orgId: 'acme', permission: 'report:export', expiresAt: '2099-01-01T00:00:00Z' }],
};

let gw: TestGateway;
let env: Record<string, string>;

beforeAll(async () => {
  gw = await startTestGateway();
  env = { DATABASE_URL: gw.database.url, REDIS_URL: TEST_REDIS_URL, AUTHZ_REDIS_KEY_PREFIX: gw.keyPrefix, LOG_LEVEL: 'warn' };
});
afterAll(() => gw.close());

/** Everything the policy tables hold, in a stable order. */
async function snapshot() {
  const prisma = gw.gateway.database.prisma;
  return {
    organizations: await prisma.organization.findMany({ orderBy: { id: 'asc' }, select: { id: true, name: true } }),
    roles: await prisma.role.findMany({ orderBy: [{ orgId: 'asc' }, { name: 'asc' }], select: { orgId: true, name: true, permissions: true } }),
    memberships: await prisma.membership.findMany({ orderBy: [{ orgId: 'asc' }, { userId: 'asc' }], select: { orgId: true, userId: true, roles: { select: { role: { select: { name: true } } } } } }),
    grants: await prisma.grant.findMany({ orderBy: [{ userId: 'asc' }, { permission: 'asc' }], select: { userId: true, permission: true, expiresAt: true } }),
  };
}

async function can(u: string, p: string) {
  return (await gw.gql<{ can: { allowed: boolean; cacheStatus: string } }>(CAN, { u, o: 'acme', p })).data!.can;
}

test('a valid file imports; importing it again changes nothing', async () => {
  const file = writeJson(POLICY);
  const first = await runScript('scripts/import-policy.ts', [file], env);
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  expect(first.stdout).toContain('1 organizations, 2 roles, 2 memberships, 1 grants');
  const before = await snapshot();
  expect(before.memberships).toHaveLength(2);
  const second = await runScript('scripts/import-policy.ts', [file], env);
  expect(second.code).toBe(0);
  expect(await snapshot()).toEqual(before);
});

test('every validation error is reported with its JSON path, and nothing is written', async () => {
  const before = await snapshot();
  const file = writeJson({
    organizations: [{ id: 'new-org', name: 'New' }],
    roles: [{ orgId: 'acme', name: 'bad', permissions: ['Document:read', 'doc*:read'] }],
    memberships: [{ userId: '', orgId: 'acme', roles: [] }],
    grants: [{ userId: 'bob', orgId: 'acme', permission: 'a:b', expiresAt: 'soon' }],
  });
  const res = await runScript('scripts/import-policy.ts', [file], env);
  expect(res.code).toBe(1);
  for (const path of ['$.roles[0].permissions[0]', '$.roles[0].permissions[1]', '$.memberships[0].userId', '$.grants[0].expiresAt']) {
    expect(res.stderr).toContain(path);
  }
  expect(await snapshot()).toEqual(before);
});

test('a reference the database cannot satisfy fails the whole import (all or nothing)', async () => {
  const before = await snapshot();
  const file = writeJson({
    organizations: [{ id: 'new-org', name: 'New' }],
    roles: [{ orgId: 'new-org', name: 'r', permissions: ['a:b'] }],
    memberships: [{ userId: 'zed', orgId: 'acme', roles: ['no-such-role'] }],
    grants: [{ userId: 'stranger', orgId: 'acme', permission: 'a:b' }],
  });
  const res = await runScript('scripts/import-policy.ts', [file], env);
  expect(res.code).toBe(1);
  expect(res.stderr).toContain('$.memberships[0].roles[0]: organization "acme" has no role "no-such-role"');
  expect(res.stderr).toContain('$.grants[0]: "stranger" is not a member of "acme"');
  expect(await snapshot()).toEqual(before);
});

test('unreadable JSON and a missing argument get clear messages', async () => {
  const broken = await runScript('scripts/import-policy.ts', [writeJson('{ not json')], env);
  expect(broken.code).toBe(1);
  expect(broken.stderr).toMatch(/cannot read .*policy\.json/);
  const usage = await runScript('scripts/import-policy.ts', [], env);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain('usage: npm run import');
});

test('an import invalidates cached permission sets of the organizations it touches', async () => {
  await can('bob', 'document:edit');
  expect(await can('bob', 'document:edit')).toEqual({ allowed: true, cacheStatus: 'L2_HIT' });
  const changed = { ...POLICY, roles: [{ orgId: 'acme', name: 'editor', permissions: ['comment:*'] }, POLICY.roles[1]] };
  const res = await runScript('scripts/import-policy.ts', [writeJson(changed)], env);
  expect(res.code).toBe(0);
  expect(res.stdout).toContain('invalidated cached permissions of 1 organizations');
  expect(await can('bob', 'document:edit')).toEqual({ allowed: false, cacheStatus: 'MISS' });
  expect(await can('bob', 'comment:write')).toEqual({ allowed: true, cacheStatus: 'L2_HIT' });
});

test('an import that cannot invalidate Redis writes nothing and says so', async () => {
  const before = await snapshot();
  const changed = { ...POLICY, roles: [{ orgId: 'acme', name: 'editor', permissions: ['nothing:*'] }, POLICY.roles[1]] };
  const res = await runScript('scripts/import-policy.ts', [writeJson(changed)], { ...env, REDIS_URL: `redis://127.0.0.1:${await deadPort()}`, AUTHZ_L2_TIMEOUT_MS: '100' });
  expect(res.code).toBe(1);
  expect(res.stderr).toContain('nothing was imported');
  expect(await snapshot()).toEqual(before);
});

test('--replace makes the listed organizations match the file exactly', async () => {
  const only = {
    organizations: [{ id: 'acme', name: 'Acme Inc' }],
    roles: [{ orgId: 'acme', name: 'viewer', permissions: ['*:read'] }],
    memberships: [{ userId: 'carol', orgId: 'acme', roles: ['viewer'] }],
  };
  const res = await runScript('scripts/import-policy.ts', [writeJson(only), '--replace'], env);
  expect(res.code).toBe(0);
  expect(res.stdout).toContain('removed 1 roles, 1 memberships, 1 grants');
  const after = await snapshot();
  expect(after.organizations).toEqual([{ id: 'acme', name: 'Acme Inc' }]);
  expect(after.roles.map((r) => r.name)).toEqual(['viewer']);
  expect(after.memberships.map((m) => m.userId)).toEqual(['carol']);
  expect(after.grants).toEqual([]);
  expect((await can('bob', 'comment:write')).allowed).toBe(false);
  expect((await can('carol', 'report:export')).allowed).toBe(false);
});
