import { randomBytes } from 'node:crypto';
import { type Fetched, fetchFrom, postJson } from './http-client';
import { parsePrometheusText, type Sample, sumOf } from './prometheus-text';

/** One row of the preflight table. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface PreflightOptions {
  /** How much faster (mean server-side time) an L2 hit must be than a miss; default 1.5. */
  minSpeedup?: number;
  /** Subjects timed per tier for the speed comparison; default 10. */
  samples?: number;
}

const CAN = 'query PreflightCan($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { allowed cacheStatus } }';
const STATUSES = ['L1_HIT', 'L2_HIT', 'MISS', 'DISABLED', 'DEGRADED'];
const REST_STATUSES = ['l1_cache_hit', 'l2_cache_hit', 'cache_miss', 'cache_disabled', 'degraded'];
// Probe subjects: a user that exists nowhere, so every probe is a harmless "not a
// member" decision; a fresh one per run, so its first answer is a real miss.
const PROBE_ORG = 'preflight-probe';
const PROBE_PERMISSION = 'preflight:check';

/**
 * The preflight: the old service's ten production-readiness checks, run end to end
 * against a live gateway over HTTP only (what an operator can reach before a deploy). Every check runs, whatever
 * failed before it, so the table shows the whole picture. The probes write a few
 * "not a member" entries for made-up users into L2; they expire with the TTL.
 */
export async function runPreflightChecks(baseUrl: string, options: PreflightOptions = {}): Promise<CheckResult[]> {
  const run = randomBytes(4).toString('hex');
  const user = (i: number | string) => `preflight-${run}-${i}`;
  const can = (u: string, headers: Record<string, string> = {}) =>
    postJson(baseUrl, '/graphql', { query: CAN, variables: { u, o: PROBE_ORG, p: PROBE_PERMISSION } }, headers);
  const metricsBefore = await scrape(baseUrl).catch((error: Error) => error);
  const results: CheckResult[] = [];
  const check = async (name: string, body: () => Promise<[boolean, string]>) => {
    try {
      const [ok, detail] = await body();
      results.push({ name, ok, detail });
    } catch (error) {
      results.push({ name, ok: false, detail: error instanceof Error ? error.message : String(error) });
    }
  };

  await check('Health endpoint', async () => {
    const res = await fetchFrom(baseUrl, '/health');
    return [res.status === 200 && res.json?.status === 'healthy', `GET /health -> ${res.status} ${res.text.slice(0, 80)}`];
  });

  const ready = fetchFrom(baseUrl, '/ready');
  await check('Redis reachable', async () => {
    const redis = (await readyReport(ready)).components.redis;
    if (redis.status === 'up') return [true, `PING answered in ${redis.latencyMs} ms`];
    if (redis.status === 'down') return [false, `Redis did not answer a PING (${redis.detail ?? 'down'}): answers come from PostgreSQL as DEGRADED`];
    return [false, `no Redis configured (${redis.detail ?? redis.status})`];
  });
  await check('PostgreSQL reachable', async () => {
    const pg = (await readyReport(ready)).components.postgresql;
    return pg.status === 'up' ? [true, `SELECT 1 answered in ${pg.latencyMs} ms`] : [false, `PostgreSQL did not answer (${pg.detail ?? pg.status}): no decisions can be made`];
  });
  await check('L2 cache enabled', async () => {
    const { cache } = await readyReport(ready);
    if (cache.l2 === 'redis') return [true, `L1 ${cache.l1 ? 'on' : 'off'}, L2 on Redis`];
    if (cache.l2 === 'memory') return [false, 'L2 is in process memory: not shared between instances (set REDIS_URL)'];
    return [false, 'L2 is disabled (AUTHZ_CACHE_ENABLED / AUTHZ_L2_CACHE_ENABLED)'];
  });

  const traceId = `preflight-${run}`;
  const first = can(user('hit'), { 'x-request-id': traceId });
  await check('L2 cache hit observed', async () => {
    const a = statusOf(await first);
    const b = statusOf(await can(user('hit')));
    return [b === 'L2_HIT', `same subject twice: ${a}, then ${b}${b === 'L2_HIT' ? '' : ' (expected L2_HIT)'}`];
  });

  await check('L2 hit faster than miss', async () => {
    const before = await metricsOrThrow(metricsBefore);
    const n = options.samples ?? 10;
    for (let i = 0; i < n; i++) await can(user(`t${i}`)); // misses
    for (let i = 0; i < n; i++) await can(user(`t${i}`)); // hits
    const after = parsePrometheusText((await fetchFrom(baseUrl, '/metrics')).text);
    const mean = (status: string) => {
      const labels = { cache_status: status };
      const count = sumOf(after, 'authz_check_duration_seconds_count', labels) - sumOf(before, 'authz_check_duration_seconds_count', labels);
      const sum = sumOf(after, 'authz_check_duration_seconds_sum', labels) - sumOf(before, 'authz_check_duration_seconds_sum', labels);
      return count > 0 ? { ms: (sum / count) * 1000, count } : null;
    };
    const hit = mean('l2_cache_hit');
    const miss = mean('cache_miss');
    if (!hit || !miss) return [false, `nothing to compare: ${hit?.count ?? 0} L2 hits and ${miss?.count ?? 0} misses measured`];
    const ratio = miss.ms / hit.ms;
    const min = options.minSpeedup ?? 1.5;
    return [ratio >= min, `hit ${hit.ms.toFixed(3)} ms vs miss ${miss.ms.toFixed(3)} ms (mean over ${hit.count}/${miss.count}, server-side): ${ratio.toFixed(1)}x faster${ratio >= min ? '' : ` (need ${min}x)`}`];
  });

  await check('Responses in documented shape', async () => {
    const res = await first;
    const problems = graphQLShapeProblems(res, traceId);
    return [problems.length === 0, problems.length === 0 ? 'data.can {allowed, cacheStatus}, extensions.authz {cache, traceId}, x-request-id echoed' : problems.join('; ')];
  });

  await check('Degradation path reported by /ready', async () => {
    const res = await ready;
    const report = await readyReport(ready);
    const pgUp = report.components.postgresql.status === 'up';
    const redisDown = report.components.redis.status === 'down';
    const expected = !pgUp ? 'unavailable' : redisDown ? 'degraded' : 'ready';
    const consistent = report.status === expected && (res.status === 503) === (expected === 'unavailable');
    return [consistent, `/ready -> ${res.status} ${report.status} (postgresql ${report.components.postgresql.status}, redis ${report.components.redis.status})${consistent ? '' : `; expected ${expected}`}`];
  });

  await check('Structured logs emitted', async () => {
    const before = await metricsOrThrow(metricsBefore);
    const after = parsePrometheusText((await fetchFrom(baseUrl, '/metrics')).text);
    const logged = sumOf(after, 'authz_log_events_total', { event: 'graphql_request' }) - sumOf(before, 'authz_log_events_total', { event: 'graphql_request' });
    return [logged > 0, logged > 0 ? `${logged} graphql_request log lines written during this check` : 'no graphql_request log events counted (is LOG_LEVEL above info?)'];
  });

  await check('REST endpoint (old API)', async () => {
    const res = await postJson(baseUrl, '/api/v1/authorization/check', { user_id: user('rest'), org_id: PROBE_ORG, permission: PROBE_PERMISSION });
    const ok = res.status === 200 && typeof res.json?.allowed === 'boolean' && REST_STATUSES.includes(res.json?.cache_status);
    return [ok, `POST /api/v1/authorization/check -> ${res.status} ${res.text.slice(0, 80)}`];
  });

  return results;
}

interface ReadyReport {
  status: string;
  components: Record<'postgresql' | 'redis', { status: string; latencyMs?: number; detail?: string }>;
  cache: { l1: boolean; l2: string };
}

async function readyReport(ready: Promise<Fetched>): Promise<ReadyReport> {
  const res = await ready;
  const report = res.json as ReadyReport | undefined;
  if (!report?.components?.postgresql || !report.components.redis || !report.cache) {
    throw new Error(`GET /ready -> ${res.status}: not a readiness report (${res.text.slice(0, 80)})`);
  }
  return report;
}

async function scrape(baseUrl: string): Promise<Sample[]> {
  const res = await fetchFrom(baseUrl, '/metrics');
  if (res.status !== 200) throw new Error(`GET /metrics -> ${res.status} (is ENABLE_METRICS=false?)`);
  return parsePrometheusText(res.text);
}

async function metricsOrThrow(before: Sample[] | Error): Promise<Sample[]> {
  if (before instanceof Error) throw before;
  return before;
}

function statusOf(res: Fetched): string {
  const status = res.json?.data?.can?.cacheStatus;
  if (typeof status === 'string') return status;
  const error = res.json?.errors?.[0];
  return error ? `error ${error.extensions?.code ?? ''} ${error.message}` : `HTTP ${res.status}`;
}

/** What differs from the documented response shape (docs/api.md), if anything. */
function graphQLShapeProblems(res: Fetched, traceId: string): string[] {
  const problems: string[] = [];
  const can = res.json?.data?.can;
  if (res.status !== 200) problems.push(`HTTP ${res.status}`);
  if (typeof can?.allowed !== 'boolean') problems.push('data.can.allowed is not a boolean');
  if (!STATUSES.includes(can?.cacheStatus)) problems.push(`data.can.cacheStatus ${JSON.stringify(can?.cacheStatus)} is not a CacheStatus`);
  const authz = res.json?.extensions?.authz;
  for (const field of ['l1Hits', 'l2Hits', 'misses', 'degraded']) {
    if (typeof authz?.cache?.[field] !== 'number') problems.push(`extensions.authz.cache.${field} missing`);
  }
  if (authz?.traceId !== traceId) problems.push(`extensions.authz.traceId ${JSON.stringify(authz?.traceId)} is not the x-request-id sent`);
  if (res.headers.get('x-request-id') !== traceId) problems.push('x-request-id not echoed');
  return problems;
}
