// `npx tsx bench/overload.ts [limit...]`: the overload of 200 connections each sending
// `checks` of 1,000 items, against a gateway started per AUTHZ_MAX_INFLIGHT_CHECKS value
// given (default: 10000000, which admits everything, then the default 10000). Prints per
// run: requests by status, the gateway's peak RSS, and `/health` latency measured by a
// probe once every 100 ms during the load. Needs DATABASE_URL (a scratch database: it
// is seeded with 1,000 members) and optionally REDIS_URL.
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { openDatabase } from '../src/store/database';
import { applyMigrations } from '../src/store/migrations/migrations';
import { parsePolicyFile } from '../src/store/policy-file';
import { importPolicy } from '../src/store/policy-import';
import { sampleRss, startServer, TSX } from './processes';

const CONNECTIONS = 200;
const DURATION_S = 20;
const USERS = 1000;

async function seed(url: string): Promise<void> {
  const db = await openDatabase({ kind: 'postgres', url });
  try {
    await db.withMigrationAdapter(applyMigrations);
    await importPolicy(db.prisma, parsePolicyFile({
      organizations: [{ id: 'acme', name: 'Acme' }],
      roles: [{ orgId: 'acme', name: 'editor', permissions: ['document:*'] }],
      memberships: Array.from({ length: USERS }, (_, i) => ({ userId: `u${i}`, orgId: 'acme', roles: ['editor'] })),
    }));
  } finally {
    await db.close();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function run(limit: string): Promise<void> {
  // Development mode: AUTH_MODE=none is refused in production. Info logs, as `npm run bench` runs.
  const server = await startServer('gateway', [...TSX, 'src/main.ts'], {
    PORT: '0', NODE_ENV: 'development', AUTH_MODE: 'none', AUTHZ_DEMO_DATA: 'false', LOG_LEVEL: 'info', LOG_FORMAT: 'json',
    AUTHZ_MAX_INFLIGHT_CHECKS: limit,
  });
  try {
    const body = JSON.stringify({
      query: 'query Checks($r: [CheckInput!]!) { checks(requests: $r) { allowed } }',
      variables: { r: Array.from({ length: 1000 }, (_, i) => ({ userId: `u${i}`, orgId: 'acme', permission: 'document:read' })) },
    });
    const rss = sampleRss(server.pid, 100);
    // The probe runs in a process of its own: in this one, autocannon's 200 connections
    // would delay the probe's own callbacks and the figure would be the client's.
    const probe = probeHealth(server.url, DURATION_S);
    const statuses = new Map<number, number>();
    const result = await autocannon({
      url: `${server.url}/graphql`, method: 'POST', headers: { 'content-type': 'application/json' }, body,
      connections: CONNECTIONS, duration: DURATION_S,
      setupClient: (client) => client.on('response', (statusCode: number) => statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1)),
    });
    const health = await probe;
    const { peakMb } = rss.stop();
    const sorted = health.latencies.sort((a, b) => a - b);
    console.log(JSON.stringify({
      AUTHZ_MAX_INFLIGHT_CHECKS: limit,
      statuses: Object.fromEntries(statuses),
      admittedPerSecond: Math.round((statuses.get(200) ?? 0) / DURATION_S),
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
      peakRssMb: Math.round(peakMb),
      health: { statuses: health.statuses, probes: sorted.length, p50Ms: Math.round(percentile(sorted, 50)), p99Ms: Math.round(percentile(sorted, 99)), maxMs: Math.round(sorted[sorted.length - 1] ?? NaN) },
    }));
  } finally {
    await server.stop();
  }
}

/** GET /health every 100 ms for `seconds`, from a child process: latencies (ms) and statuses. */
function probeHealth(url: string, seconds: number): Promise<{ latencies: number[]; statuses: Record<string, number> }> {
  const script = `
    const latencies = [], statuses = {};
    const end = Date.now() + ${seconds * 1000};
    (async () => {
      while (Date.now() < end) {
        const t = performance.now();
        const status = await fetch(${JSON.stringify(`${url}/health`)}).then((r) => r.status, () => 0);
        latencies.push(performance.now() - t);
        statuses[status] = (statuses[status] ?? 0) + 1;
        await new Promise((r) => setTimeout(r, 100));
      }
      console.log(JSON.stringify({ latencies, statuses }));
    })();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`health probe exited ${code}`)))));
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL must name a scratch database');
  await seed(url);
  const limits = process.argv.slice(2);
  for (const limit of limits.length ? limits : ['10000000', '10000']) await run(limit);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
