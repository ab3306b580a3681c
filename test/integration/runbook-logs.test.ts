import { type GatewayProcess, spawnGateway } from '../helpers/gateway-process';
import { waitFor } from '../helpers/wait-for';
import { PrivateRedis } from '../helpers/redis-server';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

/**
 * The old service's runbook, against a gateway process configured with the old
 * service's environment (LOG_LEVEL=INFO, REDIS_HOST/PORT/DB, booleans as Python writes
 * them): its greps and Loki line filters (`|= "authz_l2_cache_hit"`, ...) must find a
 * populate, a hit and an L2 error in what the gateway prints on stdout, in the one log
 * line each request writes.
 */
const CAN = 'query Can($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { allowed cacheStatus } }';

let database: TestDatabase;
let redis: PrivateRedis;
let gateway: GatewayProcess;

beforeAll(async () => {
  database = await createTestDatabase();
  redis = await PrivateRedis.start();
  gateway = await spawnGateway({
    DATABASE_URL: database.url,
    AUTHZ_DEMO_DATA: 'True',
    LOG_LEVEL: 'INFO',
    REDIS_HOST: '127.0.0.1',
    REDIS_PORT: String(redis.port),
    REDIS_DB: '0',
    AUTHZ_CACHE_ENABLED: 'True',
    AUTHZ_L2_CACHE_ENABLED: 'True',
    AUTHZ_CACHE_TTL: '300',
    ENABLE_METRICS: 'True',
    // Not the old service's: a generous L2 deadline, so that machine load cannot turn the
    // expected hit or populate into DEGRADED.
    AUTHZ_L2_TIMEOUT_MS: '1000',
  });
}, 60_000);
afterAll(async () => {
  await gateway?.stop();
  await redis?.stop();
  await database?.drop();
});

let sequence = 0;

/** One GraphQL `can` with its own trace ID; returns the cache status and the trace ID. */
async function askGraphQL(userId: string): Promise<{ status: string; traceId: string }> {
  const traceId = `runbook-gql-${++sequence}`;
  const res = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': traceId },
    body: JSON.stringify({ query: CAN, variables: { u: userId, o: 'acme', p: 'document:edit' } }),
  });
  const body = (await res.json()) as { data: { can: { cacheStatus: string } } };
  return { status: body.data.can.cacheStatus, traceId };
}

/** The old REST check, with its own trace ID. */
async function askRest(userId: string): Promise<{ status: string; traceId: string }> {
  const traceId = `runbook-rest-${++sequence}`;
  const res = await fetch(`${gateway.url}/api/v1/authorization/check`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': traceId },
    body: JSON.stringify({ user_id: userId, org_id: 'acme', permission: 'document:edit' }),
  });
  const body = (await res.json()) as { cache_status: string };
  return { status: body.cache_status, traceId };
}

/** The printed lines that mention `traceId`, once the request's line has been written (the log is flushed at least every 100 ms). */
async function linesOf(traceId: string): Promise<string[]> {
  const mentioning = () => gateway.lines.filter((line) => line.includes(`"${traceId}"`));
  await waitFor(`a log line naming ${traceId}`, () => mentioning().length > 0);
  return mentioning();
}

/** What `grep EVENT` finds among the lines printed so far. */
const grep = (event: string) => gateway.lines.filter((line) => line.includes(event));

test('a miss writes authz_l2_cache_populated, the next ask authz_l2_cache_hit: one line per request, at info', async () => {
  const miss = await askGraphQL('bob');
  expect(miss.status).toBe('MISS');
  const [missLine, ...extraMiss] = await linesOf(miss.traceId);
  expect(extraMiss).toEqual([]);
  expect(missLine).toContain('authz_l2_cache_populated');
  expect(missLine).not.toContain('authz_l2_cache_hit');
  expect(JSON.parse(missLine!)).toMatchObject({ level: 30, event: 'graphql_request', cacheEvents: 'authz_l2_cache_populated' });

  const hit = await askGraphQL('bob');
  expect(hit.status).toBe('L2_HIT');
  const [hitLine, ...extraHit] = await linesOf(hit.traceId);
  expect(extraHit).toEqual([]);
  expect(JSON.parse(hitLine!)).toMatchObject({ level: 30, event: 'graphql_request', cacheEvents: 'authz_l2_cache_hit' });

  // The runbook's greps find them; nothing was printed at debug.
  expect(grep('authz_l2_cache_populated')).toContain(missLine);
  expect(grep('authz_l2_cache_hit')).toContain(hitLine);
  expect(gateway.logs.filter((l) => (l.level as number) < 30)).toEqual([]);
});

test("the old REST check's line carries its event too", async () => {
  const miss = await askRest('carol');
  expect(miss.status).toBe('cache_miss');
  expect(await linesOf(miss.traceId)).toEqual([expect.stringContaining('authz_l2_cache_populated')]);
  const hit = await askRest('carol');
  expect(hit.status).toBe('l2_cache_hit');
  const lines = await linesOf(hit.traceId);
  expect(lines).toEqual([expect.stringContaining('authz_l2_cache_hit')]);
  expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, event: 'rest_request', cacheStatus: 'l2_cache_hit', cacheEvents: 'authz_l2_cache_hit' });
});

test('with Redis down, each request line carries authz_l2_cache_error and the answer still comes from PostgreSQL', async () => {
  await redis.kill();
  try {
    const degraded = await askGraphQL('alice');
    expect(degraded.status).toBe('DEGRADED');
    const requestLines = (await linesOf(degraded.traceId)).filter((line) => line.includes('"graphql_request"'));
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toContain('authz_l2_cache_error');
    expect(JSON.parse(requestLines[0]!)).toMatchObject({ cacheEvents: 'authz_l2_cache_error', cache: { degraded: 1 } });
    // While the breaker skips Redis, requests write no warning of their own: the request
    // line is what a query for authz_l2_cache_error counts.
    const skipped = await askRest('alice');
    expect(skipped.status).toBe('degraded');
    expect(await linesOf(skipped.traceId)).toEqual([expect.stringContaining('authz_l2_cache_error')]);
  } finally {
    await redis.restart();
  }
});
