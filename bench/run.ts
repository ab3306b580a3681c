// `npm run bench [-- --smoke] [-- --cpu-prof]`: starts the gateway (and two baseline
// servers) against real PostgreSQL and Redis with generated data, drives each scenario
// from a separate load-generator process, and writes bench/results/*.json and a Markdown
// table. --smoke: small data and ~1 s per scenario, only to keep the suite working.
// Uses BENCH_DATABASE_URL / BENCH_REDIS_URL (else TEST_*, else localhost); makes a
// database (authz_bench_<random>) and a key prefix (bench:<random>:) of its own, and
// removes both at the end.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from '@keyv/redis';
import { SignJWT } from 'jose';
import { createDatabase, generate, load, loadLargeOrganization } from './data';
import type { LoadJob, LoadResult } from './loadgen';
import type { L2AuthCost } from './l2-auth-cost';
import { cpuMicros, gatewayStartArgs, ROOT, runL2AuthCost, runLoad, sampleRss, startServer, TSX, type Server } from './processes';
import { startSink } from './sinks';
import { warm } from './warm';
import { type BenchReport, markdown, medianRounds, type ScenarioResult } from './report';
import { type LatencySummary, percentiles } from './stats';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const cpuProf = args.includes('--cpu-prof');
// --only 1,4: run just these scenarios (by the number their name starts with), e.g. to
// profile one of them; the table then shows only the targets that were measured.
const onlyArg = args.find((a) => a.startsWith('--only'))?.split('=')[1] ?? (args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined);
// `--only telemetry` is scenario 8 (Apollo Studio and OpenTelemetry against the same gateway without them).
const only = onlyArg ? new Set(onlyArg.split(',').map((s) => (s.trim() === 'telemetry' ? '8' : s.trim()))) : undefined;
// --baseline DIR: scenario 1 also runs against another build of the gateway (DIR holds
// its dist/, e.g. an export of main built there), alternating round by round with this
// one (1, 1b, 1, 1b, ...), to measure what a change costs in the same run.
// --rounds N: rounds of the alternating scenarios, scenario 8's included (default 3;
// scenario 8: 6).
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const baselineDir = flag('baseline');
const roundsArg = flag('rounds');
if (roundsArg !== undefined && !/^[1-9]\d*$/.test(roundsArg)) throw new Error(`--rounds must be a positive whole number, not "${roundsArg}"`);
const selected = (...ids: string[]) => !only || ids.some((id) => only.has(id) || only.has(id.replace(/[a-z]$/, '')));
const DB_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const size = smoke ? { users: 1_000, orgs: 10 } : { users: 10_000, orgs: 100 };
// Scenario 7's organization, apart from the others' data.
const LARGE_ORG = { id: 'org-large', members: smoke ? 2_000 : 100_000 };
// Scenario 8's runs are short and many (see there): shortRun and shortWarmup, after a
// first, unmeasured load on every gateway (firstWarmup).
const secs = smoke ? { run: 1, warmup: 0, zipf: 3, shortRun: 1, shortWarmup: 0, firstWarmup: 1 } : { run: 10, warmup: 2, zipf: 60, shortRun: 4, shortWarmup: 1, firstWarmup: 5 };
const RESULTS = path.join(ROOT, 'bench', 'results');

async function main(): Promise<void> {
  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const prefix = `bench:${id}:`;
  const cleanups: Array<() => Promise<void>> = [];
  const started = new Date().toISOString();
  const loadavgAtStart = os.loadavg();
  const log = (m: string) => process.stderr.write(`bench: ${m}\n`);
  try {
    // The gateway as deployed: built, run by node with `npm start`'s arguments (the
    // image's CMD has the same). Smoke runs the sources through tsx.
    if (!smoke) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const gatewayArgs = smoke ? [...TSX, 'src/main.ts'] : gatewayStartArgs();
    const profArgs = cpuProf ? ['--cpu-prof', '--cpu-prof-dir', path.join(RESULTS, 'profiles')] : [];

    const db = await createDatabase(DB_URL, `authz_bench_${id}`);
    cleanups.push(db.drop);
    cleanups.push(() => deleteKeys(prefix));
    execFileSync(process.execPath, [...TSX, 'scripts/db-migrate.ts'], { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url }, stdio: 'ignore' });
    const redisPing = await redisRoundTrip();
    log(`Redis PING round trip from Node: p50 ${redisPing.p50} ms`);
    const data = generate(size.users, size.orgs);
    let t = Date.now();
    await load(db.url, data);
    log(`loaded ${size.users} users, ${size.orgs} organizations, ${data.pairs.length} memberships in ${Date.now() - t} ms`);
    if (selected('7')) {
      t = Date.now();
      await loadLargeOrganization(db.url, LARGE_ORG.id, LARGE_ORG.members);
      log(`loaded organization ${LARGE_ORG.id} with ${LARGE_ORG.members} members in ${Date.now() - t} ms`);
    }

    // Production settings, with callers authenticated as a BFF would be: a JWT (HS256)
    // verified on every request.
    const jwtSecret = randomBytes(32).toString('hex');
    const authorization = `Bearer ${await new SignJWT({ scope: 'authz:check' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bench')
      .setIssuer('authz-bench')
      .setAudience('authz-gateway')
      .setExpirationTime('2h')
      .sign(new TextEncoder().encode(jwtSecret))}`;
    // One signing key for every gateway of the run: gateways sharing an L2 prefix must
    // verify each other's values, or each one's writes turn the others' hits into misses.
    const signingKey = randomBytes(32).toString('base64');
    const gatewayEnv = (extra: Record<string, string>) => ({
      NODE_ENV: 'production', PORT: '0', DATABASE_URL: db.url, REDIS_URL, AUTHZ_DEMO_DATA: 'false', LOG_LEVEL: 'info', AUTHZ_L2_SIGNING_KEY: signingKey,
      AUTH_MODE: 'jwt', AUTH_JWT_SECRET: jwtSecret, AUTH_JWT_ISSUER: 'authz-bench', AUTH_JWT_AUDIENCE: 'authz-gateway', ...extra,
    });
    const results: ScenarioResult[] = [];
    let telemetry: BenchReport['telemetry'];
    // What a warm hit pays to authenticate its L2 value, measured between the rounds of
    // scenario 1 (bench/l2-auth-cost.ts), to be set against its CPU per request.
    const authCosts: L2AuthCost[] = [];
    const job = (url: string, workload: LoadJob['workload'], connections: number, durationSeconds = secs.run): LoadJob => ({
      // Smoke mode only checks that the suite still works: few connections keep it light
      // on a small CI machine.
      url, workload, users: size.users, orgs: size.orgs, authorization, connections: smoke ? Math.min(connections, 2) : connections, durationSeconds, warmupSeconds: secs.warmup,
    });
    const measure = async (server: Server, name: string, load: LoadJob, decisionsPerRequest: number, round?: number) => {
      if (!selected(name.split(' ')[0]!)) return;
      log(`${name}${round ? ` (round ${round})` : ''}...`);
      const rss = sampleRss(server.pid, 250);
      const cpuBefore = cpuMicros(server.pid);
      const r = await runLoad<LoadResult>(load);
      // Warm-up and run together: the server's CPU over every request it answered.
      const cpuPerRequest = (cpuMicros(server.pid) - cpuBefore) / Math.max(1, r.requests + r.warmupRequests);
      const { peakMb, samples } = rss.stop();
      const result: ScenarioResult = { name, server: server.name, connections: load.connections ?? 1, ...r, decisionsPerSecond: r.requestsPerSecond * decisionsPerRequest, hitRate: r.answers.total ? r.answers.hits / r.answers.total : null, peakRssMb: peakMb, cpuMicrosPerRequest: Math.round(cpuPerRequest), rss: samples };
      results.push(result);
      return result;
    };
    const within = async (scenarios: string[], server: () => Promise<Server>, work: (s: Server) => Promise<void>) => {
      if (!selected(...scenarios)) return;
      const s = await server();
      try {
        await work(s);
      } finally {
        await s.stop();
      }
    };

    // Scenario 1 and its { ping } baseline run in alternating rounds (1, 6a, 1, 6a, ...),
    // both servers up: this machine drifts by up to ~10% within a minute, so one run of
    // each, a minute apart, compares two moments as much as two servers. The target is
    // the median of the rounds' ratios; the table shows each one's median round.
    const rounds = roundsArg ? Number(roundsArg) : smoke ? 2 : 3;
    // Scenario 8's rounds (each: the three variants, each followed by 8a, in 5 s runs): more of them, shorter.
    const bracketedRounds = roundsArg ? Number(roundsArg) : smoke ? 2 : 6;
    const S1 = '1 can, L2 warm';
    const PING = '6a baseline { ping }, stock Apollo Server + Fastify';
    const startPing = () => startServer('ping', [...TSX, 'bench/servers/stock-apollo-ping.ts'], { NODE_ENV: 'production' });
    const pingRound = (s: Server, round: number) => measure(s, PING, job(s.url, 'ping', 50), 0, round);

    // Scenario 2 alternates the same way (2a, 2b, 2a, 2b, ...), both gateways up: its
    // target is a ratio of two latencies too (median of the rounds' ratios).
    const S2A = '2a can, 1 connection, L2 hit';
    const S2B = '2b can, 1 connection, DB load';
    const startNoL2 = () => startServer('gateway-no-l2', gatewayArgs, gatewayEnv({ AUTHZ_L2_CACHE_ENABLED: 'false' }));

    // Scenarios 1, 2 (L2 hit) and 4: one gateway with L2 on Redis, every pair warm.
    // Scenarios 2 (database load) and 3: a second gateway, L2 off, every request loads
    // from PostgreSQL.
    await within(['1', '2a', '4', '2b', '3'], () => startServer('gateway', [...profArgs, ...gatewayArgs], gatewayEnv({ AUTHZ_REDIS_KEY_PREFIX: `${prefix}warm:` })), async (gw) => {
      if (selected('1', '2a', '4')) await warm(gw.url, data.pairs, authorization);
      if (selected('1')) {
        const ping = selected('6a') ? await startPing() : null;
        const base = baselineDir ? await startServer('gateway-baseline', [...gatewayArgs.slice(0, -1), path.resolve(baselineDir, 'dist/src/main.js')], gatewayEnv({ AUTHZ_REDIS_KEY_PREFIX: `${prefix}base:` })) : null;
        try {
          if (base) await warm(base.url, data.pairs, authorization);
          for (let round = 1; round <= rounds; round++) {
            await measure(gw, S1, job(gw.url, 'can', 50), 1, round);
            authCosts.push(await runL2AuthCost(smoke ? 1_000 : 14_000));
            if (base) await measure(base, '1b can, L2 warm, baseline build', job(base.url, 'can', 50), 1, round);
            if (ping) await pingRound(ping, round);
          }
        } finally {
          await base?.stop();
          await ping?.stop();
        }
      }
      const noL2 = selected('2b', '3') ? await startNoL2() : null;
      try {
        for (let round = 1; round <= rounds; round++) {
          await measure(gw, S2A, job(gw.url, 'can', 1), 1, round);
          if (noL2) await measure(noL2, S2B, job(noL2.url, 'can', 1), 1, round);
        }
        // Two connections: the targets (>= 100,000 decisions/s, i.e. 1,000 requests/s, at a p50
        // <= 2 ms) describe about two requests in flight (Little's law); more connections
        // would only measure the queue.
        await measure(gw, '4 checks 100 over 20 pairs', job(gw.url, 'checks', 2), 100);
        if (noL2) await measure(noL2, '3 can, L2 disabled', job(noL2.url, 'can', 50), 1);
      } finally {
        await noL2?.stop();
      }
    });
    // Scenario 5: a fresh gateway and a fresh key prefix: cold start, default TTL.
    await within(['5'], () => startServer('gateway-cold', gatewayArgs, gatewayEnv({ AUTHZ_REDIS_KEY_PREFIX: `${prefix}zipf:` })), async (gw) => {
      await measure(gw, '5 zipf mix, cold start', { ...job(gw.url, 'zipf', 20, secs.zipf), warmupSeconds: 0 }, 1);
    });
    // Scenario 8: scenario 1's load on four gateways sharing one warm L2: without
    // telemetry (8a), with Apollo Studio usage reporting (8b), with OpenTelemetry
    // sampling 1% (8c) and 100% (8d) of requests. Reports and spans go to a local sink,
    // so the cost of sending them is counted but not a network's. Short runs, each
    // variant's between two of 8a (8a, 8b, 8a, 8c, 8a, 8d, 8a, 8b, ...): its ratio is to
    // the mean of its neighbours, so it compares nearby moments of a machine whose speed
    // drifts, and neither order is favoured. Its target is the median of those ratios.
    if (selected('8')) {
      const sink = await startSink();
      cleanups.push(sink.close);
      const warmPrefix = { AUTHZ_REDIS_KEY_PREFIX: `${prefix}telemetry:` };
      const otel = (ratio: string) => ({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: ratio });
      const variants: Array<[string, Record<string, string>]> = [
        ['8a can, L2 warm, no telemetry', {}],
        ['8b can, L2 warm, Apollo Studio on', { APOLLO_KEY: 'service:bench:not-a-real-key', APOLLO_GRAPH_REF: 'bench@current', APOLLO_USAGE_REPORTING_URL: sink.url, APOLLO_SCHEMA_REPORTING_URL: `${sink.url}/schema` }],
        ['8c can, L2 warm, OpenTelemetry 1%', otel('0.01')],
        ['8d can, L2 warm, OpenTelemetry 100%', otel('1')],
      ];
      const servers: Array<[string, Server]> = [];
      try {
        // With --cpu-prof, each variant's profile is named after it (gateway-8a.cpuprofile, ...).
        const profiled = (variant: string) => (cpuProf ? [...profArgs, '--cpu-prof-name', `gateway-${variant}.cpuprofile`] : []);
        for (const [name, env] of variants) servers.push([name, await startServer(`gateway-${name.slice(0, 2)}`, [...profiled(name.slice(0, 2)), ...gatewayArgs], gatewayEnv({ ...warmPrefix, ...env }))]);
        await warm(servers[0]![1].url, data.pairs, authorization);
        // Every gateway's code is warm before the first measured run (the short runs'
        // one-second warm-up is for the connections, not for the JIT).
        for (const [, server] of servers) await runLoad<LoadResult>({ ...job(server.url, 'can', 50, secs.firstWarmup), warmupSeconds: 0 });
        const [[offName, off], ...variantServers] = servers as [[string, Server], ...Array<[string, Server]>];
        const ratiosToOff: Record<string, number[]> = {};
        const shortRun = (url: string) => ({ ...job(url, 'can', 50, secs.shortRun), warmupSeconds: secs.shortWarmup });
        let before = await measure(off, offName, shortRun(off.url), 1, 1);
        for (let round = 1; round <= bracketedRounds; round++) {
          for (const [name, server] of variantServers) {
            const variant = await measure(server, name, shortRun(server.url), 1, round);
            const after = await measure(off, offName, shortRun(off.url), 1, round);
            if (before && variant && after) (ratiosToOff[name.slice(0, 2)] ??= []).push((2 * variant.requestsPerSecond) / (before.requestsPerSecond + after.requestsPerSecond));
            before = after;
          }
        }
        // A gateway that dropped spans exported less than it was asked to: say so beside its figures.
        const spansDropped: Record<string, number | null> = {};
        for (const [name, server] of servers.slice(2)) spansDropped[name.slice(0, 2)] = await droppedSpans(server.url);
        telemetry = { sinkRequests: sink.requests(), sinkKiB: Math.round(sink.bytes() / 1024), spansDropped, ratiosToOff };
      } finally {
        for (const [, server] of servers) await server.stop();
      }
      log(`telemetry sink received ${sink.requests()} requests, ${Math.round(sink.bytes() / 1024)} KiB`);
    }
    // Scenario 6: the baselines, same machine, same run, same load generator ({ ping }
    // ran above, between the rounds of scenario 1, unless scenario 1 was left out).
    if (!selected('1')) {
      await within(['6a'], startPing, async (s) => {
        for (let round = 1; round <= rounds; round++) await pingRound(s, round);
      });
    }
    await within(['6b', '6c'], () => startServer('bare-http', [...TSX, 'bench/servers/bare-http.ts']), async (s) => {
      await measure(s, '6b baseline bare node:http', job(s.url, 'bare', 50), 0);
      // The floor under scenario 2: one HTTP round trip on this machine, no work at all.
      await measure(s, '6c baseline bare node:http, 1 connection', job(s.url, 'bare', 1), 0);
    });

    // Scenario 7: whoCan pages (100 users) in one large organization, unloaded latency
    // (one connection); every page is read from PostgreSQL.
    await within(['7'], () => startServer('gateway-who-can', gatewayArgs, gatewayEnv({ AUTHZ_REDIS_KEY_PREFIX: `${prefix}whocan:` })), async (gw) => {
      await measure(gw, `7 whoCan page of 100, ${LARGE_ORG.members.toLocaleString('en')} members`, { ...job(gw.url, 'whocan', 1), largeOrg: LARGE_ORG }, 0);
    });

    const report: BenchReport = {
      started, smoke,
      machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, os: `${os.type()} ${os.release()}`, node: process.version, loadavgAtStart, redisPing },
      data: { users: size.users, orgs: size.orgs, memberships: data.pairs.length, ...(selected('7') ? { largeOrgMembers: LARGE_ORG.members } : {}) },
      scenarios: medianRounds(results),
      ...(authCosts.length ? { l2Authentication: medianAuthCost(authCosts) } : {}),
      ...(telemetry ? { telemetry } : {}),
    };
    mkdirSync(RESULTS, { recursive: true });
    const table = markdown(report);
    const stamp = started.replace(/[:.]/g, '-');
    for (const name of [`bench-${stamp}`, only ? 'partial' : smoke ? 'smoke' : 'latest']) {
      writeFileSync(path.join(RESULTS, `${name}.json`), JSON.stringify(report, null, 2));
      writeFileSync(path.join(RESULTS, `${name}.md`), table);
    }
    process.stdout.write(table);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e: unknown) => log(`cleanup failed: ${String(e)}`));
  }
}

/** The round with the median memo-hit cost, with every round's figures. */
function medianAuthCost(costs: readonly L2AuthCost[]): NonNullable<BenchReport['l2Authentication']> {
  const median = [...costs].sort((a, b) => a.memoHitMicros - b.memoHitMicros)[Math.floor((costs.length - 1) / 2)]!;
  return { ...median, rounds: [...costs] };
}


/**
 * The other floor under scenario 2: one Redis round trip from Node on this machine
 * (sequential PINGs after a warm-up; an L2 hit is one MGET, about as long).
 */
async function redisRoundTrip(): Promise<LatencySummary> {
  const redis = createClient({ url: REDIS_URL });
  await redis.connect();
  try {
    const samples: number[] = [];
    for (let i = 0; i < 3_200; i++) {
      const t = performance.now();
      await redis.ping();
      if (i >= 200) samples.push(performance.now() - t);
    }
    return percentiles(samples);
  } finally {
    await redis.close();
  }
}

async function deleteKeys(prefix: string): Promise<void> {
  const redis = createClient({ url: REDIS_URL });
  await redis.connect();
  try {
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length) await redis.unlink(keys);
  } finally {
    await redis.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

/** authz_trace_spans_dropped_total of a running gateway (every reason, before its shutdown), from its /metrics; null if unreadable. */
async function droppedSpans(url: string): Promise<number | null> {
  try {
    const response = await fetch(`${url}/metrics`);
    if (!response.ok) return null;
    const text = await response.text();
    return [...text.matchAll(/^authz_trace_spans_dropped_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  } catch {
    return null;
  }
}
