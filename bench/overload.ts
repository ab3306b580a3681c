// `npx tsx bench/overload.ts [--baseline DIR] [--rounds N] [limit...]`: the overload of
// 200 connections each sending `checks` of 1,000 items, against a gateway started per
// AUTHZ_MAX_INFLIGHT_CHECKS value given (default: the default, 10000). The load
// generator (autocannon) runs in this process, the gateway in its own, and the probes
// in a third. Prints per run: requests by status, the gateway's peak RSS, and the
// latency of `/health` and `/ready`, each probed every 100 ms on a new connection (as a
// kubelet or load balancer does). With --baseline DIR (a checkout of another build, its
// dependencies installed), each round runs that build too, alternating with this one.
// Needs DATABASE_URL (a scratch database: it is seeded with 1,000 members) and
// optionally REDIS_URL.
import { spawn } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import { openDatabase } from '../src/store/database';
import { applyMigrations } from '../src/store/migrations/migrations';
import { parsePolicyFile } from '../src/store/policy-file';
import { importPolicy } from '../src/store/policy-import';
import { ROOT, sampleRss, startServer, TSX } from './processes';

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

async function run(build: string, root: string, limit: string, opsPort: number | null): Promise<void> {
  // Development mode: AUTH_MODE=none is refused in production. Info logs, as `npm run bench` runs.
  const server = await startServer(build, [...TSX, path.join(root, 'src/main.ts')], {
    PORT: '0', NODE_ENV: 'development', AUTH_MODE: 'none', AUTHZ_DEMO_DATA: 'false', LOG_LEVEL: 'info', LOG_FORMAT: 'json',
    AUTHZ_MAX_INFLIGHT_CHECKS: limit,
    ...(opsPort === null ? {} : { AUTHZ_OPS_PORT: String(opsPort) }),
  });
  try {
    const body = JSON.stringify({
      query: 'query Checks($r: [CheckInput!]!) { checks(requests: $r) { allowed } }',
      variables: { r: Array.from({ length: 1000 }, (_, i) => ({ userId: `u${i}`, orgId: 'acme', permission: 'document:read' })) },
    });
    const rss = sampleRss(server.pid, 100);
    // The probe runs in a process of its own: in this one, autocannon's 200 connections
    // would delay the probe's own callbacks and the figure would be the client's.
    const opsUrl = opsPort === null ? null : server.url.replace(/:\d+$/, `:${opsPort}`);
    const targets: Record<string, string> = { health: `${server.url}/health`, ready: `${server.url}/ready` };
    if (opsUrl) Object.assign(targets, { opsHealth: `${opsUrl}/health`, opsReady: `${opsUrl}/ready` });
    const probe = probeOps(targets, DURATION_S);
    const statuses = new Map<number, number>();
    const result = await autocannon({
      url: `${server.url}/graphql`, method: 'POST', headers: { 'content-type': 'application/json' }, body,
      connections: CONNECTIONS, duration: DURATION_S,
      setupClient: (client) => client.on('response', (statusCode: number) => statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1)),
    });
    const probes = await probe;
    const { peakMb } = rss.stop();
    const summary = (p: Probed) => {
      const sorted = p.latencies.sort((a, b) => a - b);
      return { statuses: p.statuses, probes: sorted.length, p50Ms: Math.round(percentile(sorted, 50)), p99Ms: Math.round(percentile(sorted, 99)), maxMs: Math.round(sorted[sorted.length - 1] ?? NaN) };
    };
    console.log(JSON.stringify({
      build,
      AUTHZ_MAX_INFLIGHT_CHECKS: limit,
      statuses: Object.fromEntries(statuses),
      admittedPerSecond: Math.round((statuses.get(200) ?? 0) / DURATION_S),
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
      peakRssMb: Math.round(peakMb),
      ...Object.fromEntries(Object.entries(probes).map(([name, p]) => [name, summary(p)])),
    }));
  } finally {
    await server.stop();
  }
}

interface Probed {
  latencies: number[];
  statuses: Record<string, number>;
}

/**
 * GETs each of `targets` every 100 ms for `seconds`, each on a new connection, from a
 * child process: latencies (ms) and statuses per target. A new connection per probe
 * measures what a kubelet sees, accepting the connection included.
 */
function probeOps(targets: Record<string, string>, seconds: number): Promise<Record<string, Probed>> {
  const script = `
    const http = require('node:http');
    const end = Date.now() + ${seconds * 1000};
    const get = (url) => new Promise((resolve) => {
      const t = performance.now();
      http.get(url, { agent: false, timeout: 60000 }, (res) => {
        res.resume();
        res.on('end', () => resolve([performance.now() - t, res.statusCode]));
      }).on('error', () => resolve([performance.now() - t, 0]));
    });
    const loop = async (url) => {
      const out = { latencies: [], statuses: {} };
      while (Date.now() < end) {
        const [ms, status] = await get(url);
        out.latencies.push(ms);
        out.statuses[status] = (out.statuses[status] ?? 0) + 1;
        await new Promise((r) => setTimeout(r, 100));
      }
      return out;
    };
    const targets = ${JSON.stringify(targets)};
    Promise.all(Object.values(targets).map(loop)).then((results) => console.log(JSON.stringify(Object.fromEntries(Object.keys(targets).map((name, i) => [name, results[i]])))));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`probe exited ${code}`)))));
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL must name a scratch database');
  await seed(url);
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const at = args.indexOf(`--${name}`);
    return at < 0 ? undefined : args.splice(at, 2)[1];
  };
  const baseline = option('baseline');
  const rounds = Number(option('rounds') ?? 1);
  const limits = args.length ? args : ['10000'];
  for (let round = 0; round < rounds; round++) {
    for (const limit of limits) {
      // A fixed operations port per run: the gateway's ready line names only its main URL.
      await run('this build', ROOT, limit, 20_000 + Math.floor(Math.random() * 20_000));
      if (baseline) await run('baseline', path.resolve(baseline), limit, null);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
