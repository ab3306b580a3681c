import { createClient } from '@keyv/redis';
import { seed } from '../helpers/policy';
import { L2Values } from '../../src/l2/l2-entry';
import { createL2Signer } from '../../src/l2/l2-signing';
import { TEST_L2_SIGNING_KEY, TEST_REDIS_URL } from '../helpers/services';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

const CAN = `query Can($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { userId orgId permission allowed cacheStatus } }`;
const PERMS = `query Perms($u: ID!, $o: ID!) { permissions(userId: $u, orgId: $o) { permissions roles cacheStatus } }`;
const HOUR = 3_600_000;

let gw: TestGateway;
let redis: ReturnType<typeof createClient>;

beforeAll(async () => {
  gw = await startTestGateway();
  redis = createClient({ url: TEST_REDIS_URL });
  await redis.connect();
  await seed(gw.gateway.database.prisma, {
    organizations: [{ id: 'acme', name: 'Acme' }, { id: 'globex', name: 'Globex' }, { id: 'a:b', name: 'colon org' }],
    roles: [
      { orgId: 'acme', name: 'admin', permissions: ['*:*'] },
      { orgId: 'acme', name: 'editor', permissions: ['document:*', 'comment:write'] },
      { orgId: 'acme', name: 'reader', permissions: ['*:read'] },
      { orgId: 'globex', name: 'editor', permissions: ['document:*'] },
    ],
    memberships: [
      { userId: 'alice', orgId: 'acme', roles: ['admin'] },
      { userId: 'bob', orgId: 'acme', roles: ['editor', 'reader'] },
      { userId: 'carol', orgId: 'acme', roles: [] },
      { userId: 'dave', orgId: 'acme', roles: [] },
      { userId: 'erin', orgId: 'acme', roles: [] },
      { userId: 'bob', orgId: 'globex', roles: [] },
      { userId: 'auth0|123', orgId: 'acme', roles: ['reader'] },
      { userId: 'x', orgId: 'a:b', roles: [] },
    ],
    grants: [
      { userId: 'carol', orgId: 'acme', permission: 'report:export' },
      { userId: 'carol', orgId: 'acme', permission: 'billing:*', expiresAt: new Date(Date.now() + HOUR).toISOString() },
      { userId: 'dave', orgId: 'acme', permission: 'document:read', expiresAt: '2020-01-01T00:00:00Z' },
      { userId: 'erin', orgId: 'acme', permission: 'document:read', expiresAt: new Date(Date.now() + 60_000).toISOString() },
      { userId: 'x', orgId: 'a:b', permission: 'secret:read' },
    ],
  });
});

afterAll(async () => {
  await redis.close();
  await gw.close();
});

async function can(u: string, o: string, p: string) {
  const res = await gw.gql<{ can: { allowed: boolean; cacheStatus: string } }>(CAN, { u, o, p });
  expect(res.errors).toBeUndefined();
  return res.data!.can;
}

describe('decision rules', () => {
  test.each([
    ['alice', 'acme', 'anything:goes', true],
    ['bob', 'acme', 'document:delete', true],
    ['bob', 'acme', 'comment:write', true],
    ['bob', 'acme', 'comment:delete', false],
    ['bob', 'acme', 'invoice:read', true],
    ['bob', 'globex', 'document:read', false],
    ['carol', 'acme', 'report:export', true],
    ['carol', 'acme', 'billing:refund', true],
    ['carol', 'acme', 'report:read', false],
    ['dave', 'acme', 'document:read', false],
    ['auth0|123', 'acme', 'wiki:read', true],
    ['nobody', 'acme', 'document:read', false],
    ['alice', 'no-such-org', 'document:read', false],
    ['x', 'a:b', 'secret:read', true],
  ])('%s in %s may %s: %s', async (u, o, p, expected) => {
    expect((await can(u, o, p)).allowed).toBe(expected);
  });

  test('permissions lists the effective unexpired patterns (sorted, unique) and role names', async () => {
    const res = await gw.gql(PERMS, { u: 'bob', o: 'acme' });
    expect(res.data!.permissions).toMatchObject({ permissions: ['*:read', 'comment:write', 'document:*'], roles: ['editor', 'reader'] });
    const carol = await gw.gql(PERMS, { u: 'carol', o: 'acme' });
    expect(carol.data!.permissions.permissions).toEqual(['billing:*', 'report:export']);
    const dave = await gw.gql(PERMS, { u: 'dave', o: 'acme' });
    expect(dave.data!.permissions).toMatchObject({ permissions: [], roles: [] });
    const stranger = await gw.gql(PERMS, { u: 'nobody', o: 'acme' });
    expect(stranger.data!.permissions).toMatchObject({ permissions: [], roles: [] });
  });

  test('checks answers in request order and rejects a bad entry with its index, answering nothing', async () => {
    const q = `query C($r: [CheckInput!]!) { checks(requests: $r) { userId permission allowed } }`;
    const ok = await gw.gql(q, {
      r: [
        { userId: 'bob', orgId: 'acme', permission: 'comment:delete' },
        { userId: 'alice', orgId: 'acme', permission: 'x:y' },
        { userId: 'bob', orgId: 'acme', permission: 'comment:delete' },
      ],
    });
    expect(ok.data!.checks.map((d: { allowed: boolean }) => d.allowed)).toEqual([false, true, false]);
    const bad = await gw.gql(q, {
      r: [
        { userId: 'bob', orgId: 'acme', permission: 'comment:delete' },
        { userId: 'bob', orgId: 'acme', permission: 'Comment:Delete' },
      ],
    });
    expect(bad.data).toBeNull();
    expect(bad.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(bad.errors![0]!.message).toContain('requests[1]');
  });

  test.each([
    ['', 'acme', 'a:b', 'userId must not be empty'],
    ['u', 'o'.repeat(257), 'a:b', 'orgId must be at most 256'],
    ['u', 'acme', 'document', 'resource:action'],
    ['u', 'acme', 'doc:*', 'concrete permission'],
    ['bell\u0007', 'acme', 'a:b', 'printable'],
  ])('invalid input (%j, %j, %j) is BAD_USER_INPUT saying what is wrong', async (u, o, p, message) => {
    const res = await gw.gql(CAN, { u, o, p });
    expect(res.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.message).toContain(message);
  });
});

describe('cache tiers', () => {
  test('MISS, then L2_HIT in a later request, L1_HIT within one; extensions count them', async () => {
    const first = await gw.gql(`{ a: can(userId: "carol", orgId: "globex", permission: "document:read") { cacheStatus } b: can(userId: "carol", orgId: "globex", permission: "x:read") { cacheStatus } }`);
    expect(first.data).toEqual({ a: { cacheStatus: 'MISS' }, b: { cacheStatus: 'L1_HIT' } });
    expect(first.extensions!.authz!.cache).toEqual({ l1Hits: 1, l2Hits: 0, misses: 1, degraded: 0 });
    expect(first.extensions!.authz!.traceId).toMatch(/^[0-9a-f]{32}$/);
    const second = await gw.gql(PERMS, { u: 'carol', o: 'globex' });
    expect(second.data!.permissions.cacheStatus).toBe('L2_HIT');
    expect(second.extensions!.authz!.cache).toEqual({ l1Hits: 0, l2Hits: 1, misses: 0, degraded: 0 });
  });

  test('the L2 entry sits under the runbook key auth:perms:<user>:<org> with the configured TTL', async () => {
    await can('alice', 'globex', 'document:read');
    const key = `${gw.keyPrefix}auth:perms:alice:globex`;
    const ttl = await redis.pTTL(key);
    expect(ttl).toBeGreaterThan(290_000);
    expect(ttl).toBeLessThanOrEqual(300_000);
    const stored = JSON.parse((await redis.get(key))!);
    expect(stored.value).toMatchObject({ v: 3, rev: 2, member: false, roles: [], rolePatterns: [], mac: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });
  });

  test('the TTL never runs past the earliest grant expiry', async () => {
    await can('erin', 'acme', 'document:read');
    const ttl = await redis.pTTL(`${gw.keyPrefix}auth:perms:erin:acme`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  test('IDs with ":" and "%" get distinct, escaped keys', async () => {
    expect((await can('x', 'a:b', 'secret:read')).allowed).toBe(true);
    expect((await can('x:a', 'b', 'secret:read')).allowed).toBe(false);
    expect(await redis.exists(`${gw.keyPrefix}auth:perms:x:a%3Ab`)).toBe(1);
    expect(await redis.exists(`${gw.keyPrefix}auth:perms:x%3Aa:b`)).toBe(1);
    expect((await can('x', 'a:b', 'secret:read')).cacheStatus).toBe('L2_HIT');
  });

  test('a cached grant that has expired since it was cached never counts', async () => {
    const key = `${gw.keyPrefix}auth:perms:frank:acme`;
    // A value as the gateway writes it (signed with its key), with a grant that expired
    // a second ago under the current fence: only the grant's expiry can reject it.
    await can('frank', 'acme', 'vault:open');
    const org = JSON.parse((await redis.get(`${gw.keyPrefix}auth:perms::org:acme`))!).value as string;
    const pair = JSON.parse((await redis.get(`${gw.keyPrefix}auth:perms::pair:frank:acme`))!).value as string;
    // The genuine value's revision: an older one would be below the revision floor.
    const revision = JSON.parse((await redis.get(key))!).value.rev as number;
    const write = (grantExpiresAt: number) => {
      const snapshot = { member: true, roles: [], rolePatterns: [], grants: [{ pattern: 'vault:open', expiresAt: grantExpiresAt }] };
      const value = new L2Values(createL2Signer({ current: TEST_L2_SIGNING_KEY })).seal(key, snapshot, `${org}/${pair}`, revision, Date.now() + 60_000);
      return redis.set(key, JSON.stringify({ value, expires: Date.now() + 60_000 }), { PX: 60_000 });
    };
    // The same value with a grant still valid is a hit: the value passes every other check.
    await write(Date.now() + HOUR);
    expect(await can('frank', 'acme', 'vault:open')).toMatchObject({ allowed: true, cacheStatus: 'L2_HIT' });
    await write(Date.now() - 1000);
    const decision = await can('frank', 'acme', 'vault:open');
    expect(decision).toMatchObject({ allowed: false, cacheStatus: 'MISS' });
  });

  test('a corrupt or foreign L2 value is a miss, never an answer', async () => {
    await redis.set(`${gw.keyPrefix}auth:perms:alice:acme`, 'not json at all {', { PX: 60_000 });
    const corrupt = await gw.gql(CAN, { u: 'alice', o: 'acme', p: 'x:y' });
    expect(corrupt.errors).toBeUndefined();
    expect(corrupt.data!.can).toMatchObject({ allowed: true, cacheStatus: 'MISS' });
    const foreign = { value: { v: 2, rev: 1, fence: '-/-', member: true, roles: 'admin', rolePatterns: ['*:*'], grants: [] } };
    await redis.set(`${gw.keyPrefix}auth:perms:nobody:acme`, JSON.stringify(foreign), { PX: 60_000 });
    expect(await can('nobody', 'acme', 'x:y')).toMatchObject({ allowed: false, cacheStatus: 'MISS' });
  });
});

describe('REST compatibility', () => {
  test('POST /api/v1/authorization/check answers through the same path', async () => {
    const post = (body: unknown) =>
      fetch(`${gw.url}/api/v1/authorization/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const ok = await post({ user_id: 'bob', org_id: 'acme', permission: 'document:edit' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ allowed: true, cache_status: expect.stringMatching(/^(cache_miss|l2_cache_hit)$/) });
    const again = await post({ user_id: 'bob', org_id: 'acme', permission: 'document:edit' });
    expect(await again.json()).toEqual({ allowed: true, cache_status: 'l2_cache_hit' });
    const bad = await post({ user_id: 'bob', permission: 'document:edit' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('BAD_USER_INPUT');
  });

  test('GET /health answers healthy', async () => {
    const res = await fetch(`${gw.url}/health`);
    expect(await res.json()).toEqual({ status: 'healthy' });
  });
});
