import { createClient } from '@keyv/redis';
import { seed } from '../helpers/policy';
import { TEST_REDIS_URL } from '../helpers/services';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';
import { waitFor } from '../helpers/wait-for';

/**
 * Someone who can write to the gateway's Redis but holds no signing key: whatever they
 * do to L2 values and version keys is a miss (counted and logged), never an allow.
 */
const CAN = `query Can($u: ID!, $o: ID!, $p: String!, $c: Consistency) { can(userId: $u, orgId: $o, permission: $p, consistency: $c) { allowed cacheStatus } }`;

let gw: TestGateway;
let redis: ReturnType<typeof createClient>;

beforeAll(async () => {
  gw = await startTestGateway({ LOG_LEVEL: 'warn' });
  redis = createClient({ url: TEST_REDIS_URL });
  await redis.connect();
  await seed(gw.gateway.database.prisma, {
    organizations: [{ id: 'acme', name: 'Acme' }, { id: 'initech', name: 'Initech' }],
    roles: [
      { orgId: 'acme', name: 'narrow', permissions: ['x:y'] },
      { orgId: 'acme', name: 'admin', permissions: ['*:*'] },
      { orgId: 'initech', name: 'narrow', permissions: ['x:y'] },
    ],
    memberships: [
      { userId: 'victim', orgId: 'acme', roles: ['narrow'] },
      { userId: 'copied', orgId: 'acme', roles: ['narrow'] },
      { userId: 'boss', orgId: 'acme', roles: ['admin'] },
      { userId: 'fresh', orgId: 'acme', roles: ['narrow'] },
      { userId: 'u1', orgId: 'initech', roles: ['narrow'] },
      { userId: 'u2', orgId: 'initech', roles: ['narrow'] },
    ],
  });
});

afterAll(async () => {
  await redis.close();
  await gw.close();
});

async function can(u: string, o: string, p: string, c?: unknown) {
  const res = await gw.gql<{ can: { allowed: boolean; cacheStatus: string } }>(CAN, { u, o, p, c });
  expect(res.errors).toBeUndefined();
  return res.data!.can;
}

/** Warms the L2 value of (user, org) and returns its key. */
async function warm(u: string, o: string): Promise<string> {
  await can(u, o, 'x:y');
  expect(await can(u, o, 'x:y')).toEqual({ allowed: true, cacheStatus: 'L2_HIT' });
  return `${gw.keyPrefix}auth:perms:${u}:${o}`;
}

/** Rewrites the stored value as an attacker would: MAC, fence, TTL and Keyv's record kept. */
async function editPayload(key: string, edit: (value: Record<string, any>) => void): Promise<void> {
  const record = JSON.parse((await redis.get(key))!);
  edit(record.value);
  expect(await redis.set(key, JSON.stringify(record), { KEEPTTL: true })).toBe('OK');
}

async function rejectedCount(reason: string): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`authz_l2_rejected_values_total{reason="${reason}"}`));
  return Number(line?.split(' ')[1] ?? NaN);
}

const rejections = (key: string) => gw.logs.filter((l) => l.event === 'authz_l2_value_rejected' && l.key === key);

test('a genuine value edited in Redis (pattern rewritten to *:*, fence and TTL kept) is a miss: denied, counted, logged once', async () => {
  const key = await warm('victim', 'acme');
  const ttlBefore = await redis.pTTL(key);
  const macsBefore = await rejectedCount('mac');
  await editPayload(key, (p) => {
    expect(p.rolePatterns).toEqual(['x:y']);
    p.rolePatterns = ['*:*'];
  });
  const ttlAfter = await redis.pTTL(key);
  expect(ttlAfter).toBeGreaterThan(0);
  expect(ttlAfter).toBeLessThanOrEqual(ttlBefore);
  expect(JSON.parse((await redis.get(key))!).value.rolePatterns).toEqual(['*:*']);

  expect(await can('victim', 'acme', 'doc:read')).toEqual({ allowed: false, cacheStatus: 'MISS' });
  expect(await rejectedCount('mac')).toBe(macsBefore + 1);
  expect(rejections(key)).toEqual([expect.objectContaining({ reason: 'mac', level: 40 })]);
  // The miss wrote the genuine set back: hits again, still denied.
  expect(await can('victim', 'acme', 'doc:read')).toEqual({ allowed: false, cacheStatus: 'L2_HIT' });

  // Edited again: counted again, but the key is logged only once.
  await editPayload(key, (p) => (p.rolePatterns = ['*:*']));
  expect(await can('victim', 'acme', 'doc:read')).toEqual({ allowed: false, cacheStatus: 'MISS' });
  expect(await rejectedCount('mac')).toBe(macsBefore + 2);
  expect(rejections(key)).toHaveLength(1);
});

test("another user's genuine value copied to the victim's key (same fence versions, same TTL) is refused", async () => {
  const victim = await warm('copied', 'acme');
  const boss = await warm('boss', 'acme');
  expect(await can('boss', 'acme', 'doc:read')).toEqual({ allowed: true, cacheStatus: 'L2_HIT' });
  const macsBefore = await rejectedCount('mac');
  expect(await redis.set(victim, (await redis.get(boss))!, { KEEPTTL: true })).toBe('OK');

  expect(await can('copied', 'acme', 'doc:read')).toEqual({ allowed: false, cacheStatus: 'MISS' });
  expect(await rejectedCount('mac')).toBe(macsBefore + 1);
  expect(rejections(victim)).toEqual([expect.objectContaining({ reason: 'mac' })]);
});

test('a forged revision no longer passes AT_LEAST_AS_FRESH', async () => {
  const key = await warm('fresh', 'acme');
  // PostgreSQL changes behind the caches' back (as a lost invalidation would): the
  // cached set is stale, and a read at least as fresh as the new revision must see it.
  const prisma = gw.gateway.database.prisma;
  await prisma.role.update({ where: { orgId_name: { orgId: 'acme', name: 'narrow' } }, data: { permissions: [] } });
  const { revision } = await prisma.organization.update({ where: { id: 'acme' }, data: { revision: { increment: 1 } } });
  const token = `v1.${Buffer.from('acme').toString('base64url')}.${revision}`;
  await editPayload(key, (p) => (p.rev = 2_147_483_647));

  expect(await can('fresh', 'acme', 'x:y', { mode: 'AT_LEAST_AS_FRESH', token })).toEqual({ allowed: false, cacheStatus: 'MISS' });
  expect(rejections(key)).toEqual([expect.objectContaining({ reason: 'mac' })]);
});

test('junk in a version key (2.3 MB, or a made-up token) is refused unparsed and replaced by the first reader', async () => {
  await warm('u1', 'initech');
  const orgKey = `${gw.keyPrefix}auth:perms::org:initech`;
  const sizesBefore = await rejectedCount('size');
  await redis.set(orgKey, 'x'.repeat(2_300_000));

  expect(await can('u1', 'initech', 'x:y')).toEqual({ allowed: true, cacheStatus: 'MISS' });
  expect(await rejectedCount('size')).toBe(sizesBefore + 1);
  const replaced = (await redis.get(orgKey))!;
  expect(replaced.length).toBeLessThan(200);
  expect(JSON.parse(replaced).value).toMatch(/^[A-Za-z0-9_-]{12}$/);
  // With an expiry: nothing L2 writes lives forever.
  expect(await redis.pTTL(orgKey)).toBeGreaterThan(0);
  // Read once, replaced once: the next members of the organization hit as usual.
  expect(await can('u1', 'initech', 'x:y')).toEqual({ allowed: true, cacheStatus: 'L2_HIT' });
  expect(await rejectedCount('size')).toBe(sizesBefore + 1);

  // A short token of the wrong alphabet ('/' would let a token forge a fence) is junk too.
  const pairKey = `${gw.keyPrefix}auth:perms::pair:u2:initech`;
  await warm('u2', 'initech');
  await redis.set(pairKey, JSON.stringify({ value: 'a/b' }));
  expect(await can('u2', 'initech', 'x:y')).toEqual({ allowed: true, cacheStatus: 'MISS' });
  expect(JSON.parse((await redis.get(pairKey))!).value).toMatch(/^[A-Za-z0-9_-]{12}$/);
  expect(await can('u2', 'initech', 'x:y')).toEqual({ allowed: true, cacheStatus: 'L2_HIT' });
});

test('a value past its signed expiry is a miss even when Redis keeps it (TTL and Keyv expiry removed)', async () => {
  // Its own gateway with a 1 s TTL, on the same database and key prefix.
  const short = await startTestGateway({ AUTHZ_CACHE_TTL: '1', LOG_LEVEL: 'warn' }, { database: gw.database, keyPrefix: gw.keyPrefix });
  try {
    const ask = async () => (await short.gql<{ can: { allowed: boolean; cacheStatus: string } }>(CAN, { u: 'u1', o: 'initech', p: 'x:y' })).data!.can;
    const key = `${gw.keyPrefix}auth:perms:u1:initech`;
    await redis.del(key);
    expect(await ask()).toEqual({ allowed: true, cacheStatus: 'MISS' });
    const record = JSON.parse((await redis.get(key))!);
    const { exp } = record.value as { exp: number };
    delete record.expires;
    await redis.set(key, JSON.stringify(record)); // no TTL at all now
    expect(await redis.pTTL(key)).toBe(-1);
    // Wait for the clock, not for the gateway: bounded by the 1 s TTL.
    await waitFor("the value's expiry to pass", () => Date.now() > exp + 5, { timeoutMs: 10_000 });
    expect(await ask()).toEqual({ allowed: true, cacheStatus: 'MISS' });
    expect(short.logs.filter((l) => l.event === 'authz_l2_value_rejected' && l.key === key)).toEqual([expect.objectContaining({ reason: 'expired' })]);
    // Rewritten with a TTL again.
    expect(await redis.pTTL(key)).toBeGreaterThan(0);
  } finally {
    await short.close();
  }
});
