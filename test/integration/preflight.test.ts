import { runScript } from '../helpers/cli';
import { deadPort } from '../helpers/dead-port';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

/**
 * `npm run preflight` against live gateways on the real PostgreSQL and Redis. The
 * gateways log at info (into memory), as in production, so the structured-log check
 * has request log events to count.
 */
let healthy: TestGateway;
let noRedis: TestGateway;

beforeAll(async () => {
  [healthy, noRedis] = await Promise.all([
    // A generous L2 deadline, so a busy machine cannot turn an L2 hit into DEGRADED.
    startTestGateway({ LOG_LEVEL: 'info', AUTHZ_L2_TIMEOUT_MS: '2000' }),
    deadPort().then((port) => startTestGateway({ LOG_LEVEL: 'info', REDIS_URL: `redis://127.0.0.1:${port}` })),
  ]);
});

afterAll(async () => {
  await Promise.all([healthy?.close(), noRedis?.close()]);
});

test('all ten checks pass against a healthy gateway, and it exits 0', async () => {
  const res = await runScript('scripts/preflight.ts', ['--url', healthy.url], {});
  expect(res.stdout).toContain('10/10 checks passed');
  expect(res.stdout).toMatch(/L2 hit faster than miss\s+PASS\s+hit [\d.]+ ms vs miss [\d.]+ ms .*: [\d.]+x faster/);
  expect(res.code).toBe(0);
});

test('with Redis unreachable it exits 1, and the Redis row says why', async () => {
  const res = await runScript('scripts/preflight.ts', ['--url', noRedis.url], {});
  expect(res.code).toBe(1);
  expect(res.stdout).toMatch(/Redis reachable\s+FAIL\s+Redis did not answer a PING \(unreachable\): answers come from PostgreSQL as DEGRADED/);
  expect(res.stdout).toMatch(/PostgreSQL reachable\s+PASS/);
  expect(res.stdout).toMatch(/L2 cache hit observed\s+FAIL\s+same subject twice: DEGRADED, then DEGRADED/);
  // The gateway still serves, and /ready says so: the degradation path is reported.
  expect(res.stdout).toMatch(/Degradation path reported by \/ready\s+PASS\s+\/ready -> 200 degraded/);
  expect(res.stdout).toMatch(/REST endpoint \(old API\)\s+PASS/);
});

test('a bad --url is a usage error (exit 2)', async () => {
  const res = await runScript('scripts/preflight.ts', ['--url', 'not a url'], {});
  expect(res.code).toBe(2);
  expect(res.stderr).toContain('usage: npm run preflight -- --url');
});
