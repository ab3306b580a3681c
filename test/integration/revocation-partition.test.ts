import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { type GatewayProcess, spawnGateway } from '../helpers/gateway-process';
import { waitFor } from '../helpers/wait-for';
import { waitingBackends } from '../helpers/pg-faults';
import { PrivateRedis } from '../helpers/redis-server';
import { TcpProxy } from '../helpers/tcp-proxy';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';
import { type Answer, canRead, grantCount, revokeRead, seedReaders } from '../helpers/revocation';

/**
 * Revocation safety with two gateway processes, A and B, on one database and one Redis
 * (with AOF), each reaching Redis through a cuttable TCP proxy. For every failure: once a
 * revoke returned success, no instance answers "allowed"; a revoke that fails leaves
 * PostgreSQL as it was and says why (L2_UNAVAILABLE). The L2 TTL is short, so "until the
 * TTL runs out" is observable: the A-stops case polls for longer than it.
 */
const TTL_SECONDS = 4;
const PREFIX = 'rv:';
const USERS = ['u-refused', 'u-holed', 'u-aof', 'u-race'];

let database: TestDatabase;
let aofDir: string;
let redis: PrivateRedis;
let proxyA: TcpProxy;
let proxyB: TcpProxy;
let a: GatewayProcess;
let b: GatewayProcess;

beforeAll(async () => {
  database = await createTestDatabase();
  aofDir = mkdtempSync(path.join(os.tmpdir(), 'authz-aof-'));
  redis = await PrivateRedis.start(undefined, { aofDir });
  proxyA = await TcpProxy.start({ host: '127.0.0.1', port: redis.port });
  proxyB = await TcpProxy.start({ host: '127.0.0.1', port: redis.port });
  const env = {
    DATABASE_URL: database.url,
    AUTHZ_REDIS_KEY_PREFIX: PREFIX,
    AUTHZ_DEMO_DATA: 'false',
    AUTH_MODE: 'none',
    AUTHZ_CACHE_TTL: String(TTL_SECONDS),
    AUTHZ_L2_TIMEOUT_MS: '200',
    AUTHZ_L2_BREAKER_MS: '100',
  };
  [a, b] = await Promise.all([
    spawnGateway({ ...env, REDIS_URL: `redis://127.0.0.1:${proxyA.port}` }),
    spawnGateway({ ...env, REDIS_URL: `redis://127.0.0.1:${proxyB.port}` }),
  ]);
  await seedReaders(a, USERS);
}, 90_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await proxyA?.close();
  await proxyB?.close();
  await redis?.stop();
  if (aofDir) rmSync(aofDir, { recursive: true, force: true });
  await database?.drop();
});

/** Both instances serve the user's set from L2 (so a stale set would be served, were it kept). */
async function warm(userId: string, instances: GatewayProcess[] = [a, b]): Promise<void> {
  for (const gw of instances) await waitFor(`an L2 hit for ${userId}`, async () => (await canRead(gw, userId)).cacheStatus === 'L2_HIT', { intervalMs: 20 });
}

/** `rounds` checks on each instance; returns the answers that allowed. */
async function allowedAnswers(userId: string, instances: GatewayProcess[], rounds: number): Promise<Answer[]> {
  const allowed: Answer[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const gw of instances) {
      const answer = await canRead(gw, userId);
      if (answer.allowed) allowed.push(answer);
    }
  }
  return allowed;
}

/** A revoke on A fails cleanly while A's link is cut, then holds everywhere once it passes. */
async function revokeThroughCut(userId: string, cut: () => Promise<void>): Promise<void> {
  await warm(userId);
  await cut();
  const failed = await revokeRead(a, userId);
  expect(failed.status).toBe(503);
  expect(failed.errors?.map((e) => e.extensions?.code)).toEqual(['L2_UNAVAILABLE']);
  expect(await grantCount(database.url, userId)).toBe(1);
  // Nothing changed, so B rightly still allows.
  expect((await canRead(b, userId)).allowed).toBe(true);

  await proxyA.pass();
  await waitFor('an L2 hit on A once its proxy passes', async () => (await canRead(a, userId)).cacheStatus === 'L2_HIT', { intervalMs: 20 });
  const ok = await revokeRead(a, userId);
  expect(ok.errors).toBeUndefined();
  expect(await grantCount(database.url, userId)).toBe(0);
  expect(await allowedAnswers(userId, [a, b], 10)).toEqual([]);
}

test('A refused by Redis: the revoke fails with L2_UNAVAILABLE and PostgreSQL is unchanged; retried, it holds on both', async () => {
  await revokeThroughCut('u-refused', () => proxyA.refuse());
  expect(a.logs.some((l) => l.event === 'authz_l2_invalidation_failed' && l.phase === 'before_commit')).toBe(true);
});

test('A black-holed: the revoke fails at the deadline with L2_UNAVAILABLE; retried, it holds on both', async () => {
  await revokeThroughCut('u-holed', () => proxyA.blackHole());
});

test('Redis restarts from an AOF that lost the revoke\'s fences: no instance serves the restored pre-revoke set', async () => {
  const user = 'u-aof';
  const valueKey = `${PREFIX}auth:perms:${user}:acme`;
  await warm(user);
  // The persisted state before the revoke: what an AOF that lost its last second holds.
  await redis.command(['BGREWRITEAOF']);
  await waitFor('the AOF rewrite to finish', async () => /aof_rewrite_in_progress:0[\s\S]*aof_rewrite_scheduled:0/.test(String(await redis.command(['INFO', 'persistence']))), { timeoutMs: 20_000, intervalMs: 20 });
  const backup = mkdtempSync(path.join(os.tmpdir(), 'authz-aof-copy-'));
  cpSync(path.join(aofDir, 'appendonlydir'), path.join(backup, 'appendonlydir'), { recursive: true });
  const warmedAt = Date.now();

  const ok = await revokeRead(a, user);
  expect(ok.errors).toBeUndefined();

  await redis.kill();
  rmSync(path.join(aofDir, 'appendonlydir'), { recursive: true, force: true });
  cpSync(path.join(backup, 'appendonlydir'), path.join(aofDir, 'appendonlydir'), { recursive: true });
  rmSync(backup, { recursive: true, force: true });
  await redis.restart();
  // The restored Redis holds the pre-revoke set under its pre-revoke fence.
  expect(String(await redis.command(['GET', valueKey]))).toContain('doc:read');

  // Until every value written before the revoke has expired, and a little longer.
  const allowed: Answer[] = [];
  let rounds = 0;
  while (Date.now() < warmedAt + TTL_SECONDS * 1000 + 500 && rounds < 2_000) {
    rounds++;
    allowed.push(...(await allowedAnswers(user, [a, b], 1)));
  }
  expect(rounds).toBeGreaterThan(1);
  expect(allowed).toEqual([]);
});

test('A commits while its link is cut after the fence, with B loading in between, then stops: B never allows, for longer than the TTL', async () => {
  const user = 'u-race';
  await warm(user, [b]);
  // Holds the revoke's transaction between its fence (already written to Redis) and its
  // commit: the change-log insert waits for this lock; reads of the table do not.
  const lock = new Client({ connectionString: database.url });
  await lock.connect();
  await lock.query('BEGIN');
  await lock.query('LOCK TABLE policy_changes IN SHARE MODE');
  const pending = revokeRead(a, user);
  await waitFor('the revoke waiting behind the lock', async () => (await waitingBackends(database.name)) >= 1, { intervalMs: 20 });

  // B loads PostgreSQL while the change is fenced but not committed: the old set
  // (rightly: nothing committed yet), and never a hit, so it can never outlive the change.
  expect(await canRead(b, user)).toEqual({ allowed: true, cacheStatus: 'MISS' });
  expect(await canRead(b, user)).toEqual({ allowed: true, cacheStatus: 'MISS' });

  await proxyA.refuse();
  await lock.query('COMMIT');
  await lock.end();
  const ok = await pending;
  expect(ok.errors).toBeUndefined();
  expect(await grantCount(database.url, user)).toBe(0);
  // A logged that its write after the commit failed (its log lines arrive on a pipe).
  await waitFor('authz_l2_invalidation_failed (after_commit) in the log', () => a.logs.some((l) => l.event === 'authz_l2_invalidation_failed' && l.phase === 'after_commit'), { intervalMs: 20 });
  await a.stop();

  const stoppedAt = Date.now();
  const seen: Answer[] = [];
  while (Date.now() < stoppedAt + TTL_SECONDS * 1000 + 1_000 && seen.length < 5_000) seen.push(await canRead(b, user));
  expect(seen.filter((answer) => answer.allowed)).toEqual([]);
  // B wrote the new versions on A's behalf: it serves the revoked set from L2 again.
  expect(seen.at(-1)).toEqual({ allowed: false, cacheStatus: 'L2_HIT' });
});
