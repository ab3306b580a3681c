// The load generator, run in a process of its own (never in the server's): autocannon
// for closed-loop load at N connections (one connection: unloaded latency, each request
// sent when the previous one was answered). Takes a JSON job in argv[2], prints one
// JSON result line on stdout.
import autocannon from 'autocannon';
import { generate, rng } from './data';
import { percentiles, type LatencySummary } from './stats';

export interface LoadJob {
  url: string;
  workload: 'can' | 'checks' | 'zipf' | 'ping' | 'bare' | 'whocan';
  users: number;
  orgs: number;
  connections?: number;
  durationSeconds?: number;
  warmupSeconds?: number;
  /** For `whocan`: the organization asked about and its members' IDs (`member-000000`...). */
  largeOrg?: { id: string; members: number };
  /** Sent as `Authorization` (the gateway verifies a JWT per request; baselines ignore it). */
  authorization?: string;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: LatencySummary;
  errors: number;
  answers: { hits: number; total: number };
  /** Requests answered during the unmeasured warm-up before the run. */
  warmupRequests: number;
  /** Hit rate per second of the run (zipf needs it over time). */
  series: Array<{ second: number; hits: number; total: number; requests: number }>;
}

const CAN = 'query Can($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { allowed cacheStatus } }';
const CHECKS = 'query Checks($r: [CheckInput!]!) { checks(requests: $r) { allowed cacheStatus } }';
const WHO_CAN = 'query W($o: ID!, $p: String!, $after: String) { whoCan(orgId: $o, permission: $p, first: 100, after: $after) { users { userId via } pageInfo { hasNextPage endCursor } } }';
const PING = JSON.stringify({ query: '{ ping }' });
const COUNTS = /"l1Hits":(\d+),"l2Hits":(\d+),"misses":(\d+),"degraded":(\d+)/;

/** Request bodies: the query text is constant, only the variables vary. */
function bodies(job: LoadJob): () => string {
  if (job.workload === 'ping' || job.workload === 'bare') return () => PING;
  const data = generate(job.users, job.orgs);
  const random = rng(process.pid);
  const perm = () => data.permissions[Math.floor(random() * data.permissions.length)]!;
  const anyPair = () => data.pairs[Math.floor(random() * data.pairs.length)]!;
  // Warm workloads send bodies made before the run, in turn: serializing one per request
  // cost the load generator, which shares the machine's two cores with the server, more
  // CPU than the server's JSON parse of it. Repeating them changes nothing on the server
  // (every pair is warm, and L1 lives for one request). The Zipf mix below draws each
  // request afresh: its hit rate over time depends on the order of first sightings.
  if (job.workload === 'can') {
    return cycle(10_000, () => {
      const p = anyPair();
      return JSON.stringify({ query: CAN, variables: { u: p.userId, o: p.orgId, p: perm() } });
    });
  }
  if (job.workload === 'checks') {
    // 100 checks over 20 (user, org) pairs: what a page of a UI asks at once.
    return cycle(2_000, () => {
      const pairs = Array.from({ length: 20 }, anyPair);
      const r = Array.from({ length: 100 }, (_, i) => ({ userId: pairs[i % 20]!.userId, orgId: pairs[i % 20]!.orgId, permission: perm() }));
      return JSON.stringify({ query: CHECKS, variables: { r } });
    });
  }
  if (job.workload === 'whocan') {
    // A page of 100: half of them the first page, half from a random member on (a cursor
    // is the base64url of the last user ID of the page before).
    const org = job.largeOrg!;
    return cycle(2_000, () => {
      const from = Math.floor(random() * org.members);
      const after = random() < 0.5 ? null : Buffer.from(`member-${String(from).padStart(6, '0')}`).toString('base64url');
      return JSON.stringify({ query: WHO_CAN, variables: { o: org.id, p: perm(), after } });
    });
  }
  // zipf: user rank r drawn with probability proportional to 1 / r^1.1 (web-like skew).
  const cdf = new Float64Array(data.users);
  let sum = 0;
  for (let r = 0; r < data.users; r++) cdf[r] = sum += 1 / Math.pow(r + 1, 1.1);
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = data.users - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    const own = data.pairsByUser[lo]!;
    const p = data.pairs[own[Math.floor(random() * own.length)]!]!;
    return JSON.stringify({ query: CAN, variables: { u: p.userId, o: p.orgId, p: perm() } });
  };
}

/** `size` bodies made now by `make`, then handed out in turn. */
function cycle(size: number, make: () => string): () => string {
  const pool = Array.from({ length: size }, make);
  let i = 0;
  return () => pool[i++ % size]!;
}

function tally(result: LoadResult, body: string, second: number): void {
  if (body.includes('"errors"')) result.errors++;
  const m = COUNTS.exec(body);
  const bucket = (result.series[second] ??= { second, hits: 0, total: 0, requests: 0 });
  bucket.requests++;
  if (!m) return;
  const hits = Number(m[1]) + Number(m[2]);
  const total = hits + Number(m[3]) + Number(m[4]);
  result.answers.hits += hits;
  result.answers.total += total;
  bucket.hits += hits;
  bucket.total += total;
}

async function runAutocannon(job: LoadJob, next: () => string, seconds: number, measure: boolean): Promise<LoadResult> {
  const path = job.workload === 'bare' ? '/' : '/graphql';
  const result: LoadResult = { requests: 0, seconds, requestsPerSecond: 0, latencyMs: percentiles([]), errors: 0, answers: { hits: 0, total: 0 }, warmupRequests: 0, series: [] };
  const latencies: number[] = [];
  const started = Date.now();
  const instance = autocannon({
    url: job.url + path,
    connections: job.connections ?? 1,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', ...(job.authorization ? { authorization: job.authorization } : {}) },
        setupRequest: (req: Record<string, unknown>) => ({ ...req, body: next() }),
        onResponse: (_status: number, body: string) => measure && tally(result, body, Math.floor((Date.now() - started) / 1000)),
      },
    ],
  } as unknown as autocannon.Options);
  // autocannon's own histogram has fixed percentiles (no p95) and ms resolution: keep
  // every latency (float ms from process.hrtime) instead.
  let answered = 0;
  (instance as unknown as NodeJS.EventEmitter).on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
    answered++;
    if (measure) latencies.push(ms);
  });
  const summary = await instance;
  result.requests = measure ? latencies.length : answered;
  result.errors += summary.non2xx + summary.errors + summary.timeouts;
  result.requestsPerSecond = latencies.length / seconds;
  result.latencyMs = percentiles(latencies);
  return result;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]!) as LoadJob;
  const next = bodies(job);
  const warmup = job.warmupSeconds ? (await runAutocannon(job, next, job.warmupSeconds, false)).requests : 0;
  const result = { ...(await runAutocannon(job, next, job.durationSeconds ?? 5, true)), warmupRequests: warmup };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`loadgen failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
