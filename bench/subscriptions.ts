// `npx tsx bench/subscriptions.ts [--changes 200] [--idle 10000] [--rounds 3] [--no-build]`: what
// subscriptions cost. Builds the gateway and runs it as deployed (`npm start`'s `node` arguments,
// NODE_ENV=production, callers authenticated by a JWT), two or three instances (processes)
// on the local PostgreSQL and Redis, with the data of `npm run bench` (10,000 users in 100
// organizations) in a database of their own. Every figure is of the server process only
// (RSS and CPU time from /proc); the clients run in this process.
// 1. Delivery across instances: a subscriber on B, grant/revoke pairs sent to A one at
//    a time; for each, the time from sending the mutation to the new set arriving from
//    B (an upper bound of commit -> message: it includes the mutation's own work), and
//    B's own histogram (instance learned of the commit -> set handed to the socket).
// 2. Idle cost: B's CPU over one ping interval at rest, then `--idle` connections with one
//    subscription each (distinct members), B's memory growth (process.memoryUsage()
//    after a full GC, read through the inspector: RSS, and JS heap + external) and CPU
//    over one ping interval at rest. Then, on a fresh instance C, the same number of subscriptions
//    over `--idle / 100` connections (100 each): the two growths split the cost into
//    connection and subscription.
// 3. Scenario 1 of `npm run bench` (`can`, L2 warm, 50 connections) on B, with its
//    `--idle` subscribers connected and with none, in `--rounds` ABBA rounds; the ratio
//    is the median of the rounds' ratios.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import type WebSocket from 'ws';
import { gql } from './admin-client';
import { createDatabase, generate, load } from './data';
import type { LoadJob, LoadResult } from './loadgen';
import { cpuMicros, gatewayStartArgs, ROOT, runLoad, type Server, startServer } from './processes';
import { inspectArgs, type Memory, memoryAfterGc } from './inspector';
import { ENV_DEFAULTS } from '../src/config/schema';
import { quantile } from './stats';
import { warm } from './warm';
import { closeAll, connect, idleSubscribers, pause, retried, waitFor } from './ws-clients';

const PG = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SIZE = { users: 10_000, orgs: 100 };
const PER_CONNECTION = 100;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { changes: { type: 'string', default: '200' }, idle: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '3' }, 'no-build': { type: 'boolean', default: false } } });
  const changes = Number(values.changes);
  const idle = Number(values.idle);
  const rounds = Number(values.rounds);
  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const servers: Server[] = [];
  const sockets: WebSocket[] = [];
  if (!values['no-build']) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const db = await createDatabase(PG, `authz_sbench_${id}`);
  try {
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/db-migrate.ts'], { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url }, stdio: 'ignore' });
    const data = generate(SIZE.users, SIZE.orgs);
    await load(db.url, data);
    const secret = randomBytes(32).toString('hex');
    const token = async (scope: string) => `Bearer ${await new SignJWT({ scope }).setProtectedHeader({ alg: 'HS256' }).setSubject('bench').setIssuer('authz-bench').setAudience('authz-gateway').setExpirationTime('2h').sign(new TextEncoder().encode(secret))}`;
    const reader = await token('authz:check');
    const adminToken = await token('authz:admin');
    const env = {
      NODE_ENV: 'production', PORT: '0', DATABASE_URL: db.url, REDIS_URL: REDIS, AUTHZ_REDIS_KEY_PREFIX: `sbench:${id}:`, AUTHZ_DEMO_DATA: 'false', LOG_LEVEL: 'info',
      AUTHZ_L2_SIGNING_KEY: randomBytes(32).toString('base64'), AUTH_MODE: 'jwt', AUTH_JWT_SECRET: secret, AUTH_JWT_ISSUER: 'authz-bench', AUTH_JWT_AUDIENCE: 'authz-gateway',
    };
    const start = async (name: string) => {
      const inspector = await inspectArgs();
      const server = await startServer(name, [...inspector.args, ...gatewayStartArgs()], env);
      servers.push(server);
      return { ...server, inspect: inspector.port };
    };
    const a = await start('A');
    const b = await start('B');
    const mutate = async (query: string) => {
      const res = await gql(a.url, query, adminToken);
      if (res.errors) throw new Error(JSON.stringify(res.errors));
    };
    await mutate(`mutation { createOrganization(id: "acme", name: "Acme") { consistencyToken } addMember(userId: "u", orgId: "acme") { consistencyToken } }`);
    const row = (cells: Array<string | number>) => console.log(`| ${cells.join(' | ')} |`);

    // 1. Delivery delay.
    const sets: Array<{ at: number; permissions: string[] }> = [];
    const subscriber = await connect(b.url, reader, (message) => sets.push({ at: performance.now(), permissions: message }));
    sockets.push(subscriber.socket);
    subscriber.subscribe('u', 'acme');
    await waitFor(() => sets.length === 1);
    const ms: number[] = [];
    const afterResponse: number[] = [];
    for (let i = 0; i < changes; i++) {
      const mutation = i % 2 === 0 ? 'grantPermission' : 'revokePermission';
      const before = sets.length;
      const t0 = performance.now();
      await mutate(`mutation { ${mutation}(userId: "u", orgId: "acme", permission: "doc:read") { consistencyToken } }`);
      const responded = performance.now();
      await waitFor(() => sets.length > before);
      ms.push(sets[before]!.at - t0);
      afterResponse.push(sets[before]!.at - responded);
    }
    const histogram = await serverDelay(b.url);
    row([`delivery, A's mutation sent -> B's message (${changes})`, `p50 ${quantile(ms, 0.5).toFixed(1)} ms`, `p99 ${quantile(ms, 0.99).toFixed(1)} ms`, `max ${Math.max(...ms).toFixed(1)} ms`]);
    row([`delivery, A's response -> B's message (negative: before the response)`, `p50 ${quantile(afterResponse, 0.5).toFixed(1)} ms`, `p99 ${quantile(afterResponse, 0.99).toFixed(1)} ms`, `max ${Math.max(...afterResponse).toFixed(1)} ms`]);
    row([`B's histogram, commit seen -> handed to the socket`, `p50 <= ${histogram.p50} s`, `p99 <= ${histogram.p99} s`, '']);
    if (idle === 0) return;

    // 2. Idle cost, one subscription per connection, on B (L2 warm first, for part 3).
    await warm(b.url, data.pairs, reader);
    // Distinct (user, org) memberships: every idle subscription has a watch of its own.
    const members = data.pairs;
    await pause(3_000);
    const restBefore = await cpuAtRest(b.pid);
    const b0 = await memoryAfterGc(b.inspect);
    const connectIdle = async () => {
      sockets.push(...(await idleSubscribers(b.url, reader, members, idle, 1)));
      await pause(5_000); // let the first loads' garbage be collected before measuring
    };
    const closeIdle = () => closeAll(sockets.splice(1));
    await connectIdle();
    const restAfter = await cpuAtRest(b.pid);
    const b1 = await memoryAfterGc(b.inspect);

    // 3. Scenario 1 with the idle subscribers and without, in ABBA order (with, without |
    // without, with | ...) so that a drift of the machine weighs on both alike.
    // One unmeasured run first: the first load after the memory readings (full GCs
    // through the inspector) ran far slower in every trial, with or without subscribers.
    await scenario1(b.url, reader);
    const rps: Array<[number, number]> = [];
    const cpu: Array<[number, number]> = [];
    for (let round = 1; round <= rounds; round++) {
      const measured: { with?: number; without?: number } = {};
      const perRequest: { with?: number; without?: number } = {};
      for (const arm of round % 2 === 1 ? (['with', 'without'] as const) : (['without', 'with'] as const)) {
        const connected = sockets.length > 1;
        if (arm === 'with' && !connected) await connectIdle();
        if (arm === 'without' && connected) {
          await closeIdle();
          await pause(2_000);
        }
        const cpu0 = cpuMicros(b.pid);
        const result = await scenario1(b.url, reader);
        measured[arm] = result.requestsPerSecond;
        perRequest[arm] = (cpuMicros(b.pid) - cpu0) / Math.max(1, result.requests + result.warmupRequests);
      }
      rps.push([measured.with!, measured.without!]);
      cpu.push([perRequest.with!, perRequest.without!]);
    }
    await closeIdle();

    // 2b. The same number of subscriptions over fewer connections, on a fresh instance C.
    const c = await start('C');
    await warm(c.url, data.pairs, reader);
    await pause(3_000);
    const c0 = await memoryAfterGc(c.inspect);
    const fewer = Math.ceil(idle / PER_CONNECTION);
    sockets.push(...(await idleSubscribers(c.url, reader, members, fewer, PER_CONNECTION)));
    await pause(5_000);
    const restC = await cpuAtRest(c.pid);
    const c1 = await memoryAfterGc(c.inspect);

    // B: idle x (connection + subscription); C: fewer x connection + idle x subscription.
    const split = (m: (x: Memory) => number) => {
      const growthB = (m(b1) - m(b0)) * 1024;
      const growthC = (m(c1) - m(c0)) * 1024;
      const connection = (growthB - growthC) / (idle - fewer);
      return { growthB, growthC, connection, subscription: (growthC - connection * fewer) / idle };
    };
    const kb = (n: number) => `${n.toFixed(1)} kB`;
    const mb = (n: number) => `${(n / 1024).toFixed(1)} MB`;
    const js = split((x) => x.heapUsed + x.external);
    const rss = split((x) => x.rss);
    row(['idle cost (server process, after a full GC)', `${idle} subscriptions on B, 1 per connection`, `${idle} subscriptions on C, ${PER_CONNECTION} per connection`, 'per connection', 'per subscription']);
    row(['RSS growth', `${mb(rss.growthB)} (${kb(rss.growthB / idle)} each)`, `${mb(rss.growthC)} (${kb(rss.growthC / idle)} each)`, kb(rss.connection), kb(rss.subscription)]);
    row(['JS heap + external growth', `${mb(js.growthB)} (${kb(js.growthB / idle)} each)`, `${mb(js.growthC)} (${kb(js.growthC / idle)} each)`, kb(js.connection), kb(js.subscription)]);
    row([`CPU at rest, % of one core over ${Math.max(10, PING_MS / 1000)} s`, `${restBefore.toFixed(1)} % before, ${restAfter.toFixed(1)} % with them`, `${restC.toFixed(1)} % with them`, '', '']);
    const median = (values: number[]) => {
      const sorted = [...values].sort((x, y) => x - y);
      return (sorted[Math.floor((sorted.length - 1) / 2)]! + sorted[Math.ceil((sorted.length - 1) / 2)]!) / 2;
    };
    if (retried.count > 0) row([`subscriptions sent again after an error (AUTHZ_UNAVAILABLE while connecting)`, retried.count, '', '', '']);
    row([`scenario 1 on B, req/s with ${idle} idle subscribers / with none, per round`, rps.map(([w, n]) => `${w.toFixed(0)} / ${n.toFixed(0)} = ${(w / n).toFixed(3)}`).join('; '), `median ${median(rps.map(([w, n]) => w / n)).toFixed(3)}x`, '', '']);
    // The server's CPU time per request moves much less than req/s on a shared machine:
    // without / with is the throughput ratio the CPU cost alone allows.
    row([`scenario 1 on B, server CPU us/request without / with them, per round`, cpu.map(([w, n]) => `${n.toFixed(0)} / ${w.toFixed(0)} = ${(n / w).toFixed(3)}`).join('; '), `median ${median(cpu.map(([w, n]) => n / w)).toFixed(3)}x`, '', '']);
  } finally {
    for (const s of sockets) s.terminate();
    for (const s of servers) await s.stop();
    await db.drop().catch(() => undefined);
  }
}

/** Scenario 1 of `npm run bench`: `can`, L2 warm, 50 connections, 2 s warm-up, 10 s. */
function scenario1(url: string, authorization: string): Promise<LoadResult> {
  const job: LoadJob = { url, workload: 'can', users: SIZE.users, orgs: SIZE.orgs, authorization, connections: 50, durationSeconds: 10, warmupSeconds: 2 };
  return runLoad<LoadResult>(job);
}

/** The gateway's ping interval (the default of AUTHZ_WS_PING_MS): CPU at rest is measured over one whole interval, so every socket is pinged once in it. */
const PING_MS = Number(ENV_DEFAULTS.AUTHZ_WS_PING_MS);

/** A process's CPU use over one ping interval (at least 10 s), in % of one core. */
async function cpuAtRest(pid: number): Promise<number> {
  const cpu0 = cpuMicros(pid);
  const t0 = performance.now();
  await pause(Math.max(10_000, PING_MS));
  return ((cpuMicros(pid) - cpu0) / 1000 / (performance.now() - t0)) * 100;
}


async function serverDelay(base: string): Promise<{ p50: string; p99: string }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const buckets = [...text.matchAll(/authz_subscription_delivery_delay_seconds_bucket\{le="([^"]+)"\} (\d+)/g)].map((m) => ({ le: m[1]!, n: Number(m[2]) }));
  const total = buckets.at(-1)?.n ?? 0;
  const at = (q: number) => buckets.find((x) => x.n >= q * total)?.le ?? '?';
  return { p50: at(0.5), p99: at(0.99) };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
