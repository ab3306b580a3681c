// The benchmark's result format and its Markdown summary: one row per scenario, then
// the targets (docs/benchmarks.md) as ratios measured in the same run.
import type { L2AuthCost } from './l2-auth-cost';
import type { LoadResult } from './loadgen';
import { type LatencySummary, round } from './stats';

export interface ScenarioResult extends LoadResult {
  name: string;
  server: string;
  connections: number;
  decisionsPerSecond: number;
  /** Share of answers from L1 or L2; null when no answer said (baselines, L2 disabled). */
  hitRate: number | null;
  peakRssMb: number;
  /** The server process's CPU time (user + system) per request answered, in microseconds. */
  cpuMicrosPerRequest: number;
  rss: Array<{ t: number; rssMb: number }>;
  /** Scenarios run in several rounds (1 and 6a, 2a and 2b, 8's runs): each round, in order; the rest of the row is the median round. */
  rounds?: Array<{ round: number; requestsPerSecond: number; p50Ms: number; p99Ms: number; cpuMicrosPerRequest: number }>;
}

export interface BenchReport {
  started: string;
  smoke: boolean;
  machine: { cpu: string; cores: number; os: string; node: string; loadavgAtStart: number[]; redisPing: LatencySummary };
  /** `largeOrgMembers`: the size of scenario 7's organization, apart from the others' data. */
  data: { users: number; orgs: number; memberships: number; largeOrgMembers?: number };
  scenarios: ScenarioResult[];
  /** bench/l2-auth-cost.ts between the rounds of scenario 1: the median round by memo-hit cost, and every round. */
  l2Authentication?: L2AuthCost & { rounds: L2AuthCost[] };
  /**
   * Scenario 8: what the local sink received, the spans each gateway dropped
   * (authz_trace_spans_dropped_total), and each variant's requests/s against the mean of
   * the runs of 8a just before and after it, run by run (8b, 8c, 8d).
   */
  telemetry?: { sinkRequests: number; sinkKiB: number; spansDropped: Record<string, number | null>; ratiosToOff?: Record<string, number[]> };
}

export interface Target {
  name: string;
  measured: number | null;
  goal: string;
  met: boolean;
}

/**
 * One row per scenario: a scenario measured in several rounds becomes its median round
 * by requests/s (the lower middle of an even count), carrying every round's figures and
 * the highest peak RSS. Rows keep the order of their first round.
 */
export function medianRounds(results: readonly ScenarioResult[]): ScenarioResult[] {
  const byName = new Map<string, ScenarioResult[]>();
  for (const result of results) byName.set(result.name, [...(byName.get(result.name) ?? []), result]);
  return [...byName.values()].map((runs) => {
    if (runs.length === 1) return runs[0]!;
    const median = [...runs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor((runs.length - 1) / 2)]!;
    return {
      ...median,
      peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
      rounds: runs.map((r, i) => ({ round: i + 1, requestsPerSecond: Math.round(r.requestsPerSecond), p50Ms: r.latencyMs.p50, p99Ms: r.latencyMs.p99, cpuMicrosPerRequest: r.cpuMicrosPerRequest })),
    };
  });
}

/** Median of `values` (the mean of the middle two for an even count); null when empty. */
function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Two scenarios compared round by round (they alternate, see bench/run.ts): each
 * round's `value(a) / value(b)`, the target being their median; without matching
 * rounds, the ratio of the two rows.
 */
function roundRatios(r: BenchReport, a: string, b: string, value: (x: { requestsPerSecond: number; p50Ms: number }) => number): number[] {
  const x = find(r, a);
  const y = find(r, b);
  if (!x || !y) return [];
  if (x.rounds && y.rounds && x.rounds.length === y.rounds.length) return x.rounds.map((round, i) => round2(value(round) / value(y.rounds![i]!)));
  return [round2(value({ requestsPerSecond: x.requestsPerSecond, p50Ms: x.latencyMs.p50 }) / value({ requestsPerSecond: y.requestsPerSecond, p50Ms: y.latencyMs.p50 }))];
}

/** Scenario 1's requests/s against { ping }'s, round by round. */
export const pingRatios = (r: BenchReport): number[] => roundRatios(r, '1 ', '6a', (x) => x.requestsPerSecond);

/** Scenario 8: a telemetry variant's requests/s against the same gateway without telemetry (8a) around it, run by run. */
export const telemetryRatios = (r: BenchReport, variant: string): number[] => r.telemetry?.ratiosToOff?.[variant] ?? [];

/** Scenario 2's database-load p50 against its L2-hit p50, round by round. */
export const loadToHitRatios = (r: BenchReport): number[] => roundRatios(r, '2b', '2a', (x) => x.p50Ms);

const round2 = (v: number) => round(v, 2);

/**
 * Median RSS over the samples of scenario 5 between `from` and `to` seconds. RSS
 * saw-tooths by up to ~20% as V8 grows and collects its old generation, so one sample
 * at 20 s and one at 60 s would say more about where each fell in a GC cycle than
 * about growth; the median of a 10 s window (40 samples) says where RSS sits.
 */
function rssMedian(s5: ScenarioResult, from: number, to: number): number | null {
  return median(s5.rss.filter((s) => s.t >= from && s.t <= to).map((s) => s.rssMb));
}

const find = (r: BenchReport, prefix: string) => r.scenarios.find((s) => s.name.startsWith(prefix));

type Rounds = NonNullable<ScenarioResult['rounds']>;

/**
 * The line under the table for two scenarios run in alternating rounds: every round of
 * each (as `describe` words them) and their ratios; nothing when they ran once.
 */
function alternation(r: BenchReport, a: string, b: string, ratios: readonly number[], describe: (a: Rounds, b: Rounds) => string): string[] {
  const x = find(r, `${a} `)?.rounds;
  const y = find(r, `${b} `)?.rounds;
  if (!x || !y || ratios.length < 2) return [];
  return [`Scenario ${a} and ${b} ran in ${x.length} alternating rounds${describe(x, y)}; ratios ${ratios.join(', ')}.`, ''];
}

const TELEMETRY_TARGETS = { '8b': ['Apollo Studio on', 0.9], '8c': ['OpenTelemetry 1%', 0.97], '8d': ['OpenTelemetry 100%', 0.8] } as const;

/**
 * Scenario 1's share of CPU spent authenticating L2 values: what a warm hit pays
 * (`open` with the memo hit, plus parsing the MAC fields; one hit per request) over the
 * gateway's CPU per request in the same run.
 */
function authShare(r: BenchReport): number | null {
  const s1 = find(r, '1 ');
  const a = r.l2Authentication;
  return s1 && a && s1.cpuMicrosPerRequest > 0 ? round((a.memoHitMicros + a.parseMacFieldsMicros) / s1.cpuMicrosPerRequest, 4) : null;
}

/** The targets (docs/benchmarks.md), each computed from this run's scenarios. */
export function targets(r: BenchReport): Target[] {
  const s1 = find(r, '1 ');
  const hit = find(r, '2a');
  const s4 = find(r, '4 ');
  const s5 = find(r, '5 ');
  const bare = find(r, '6b');
  const ratio = (a?: number, b?: number) => (a && b ? round(a / b, 2) : null);
  const vsPing = median(pingRatios(r));
  const loadToHit = median(loadToHitRatios(r));
  const late = s5?.series.filter((b) => b && b.second >= 10) ?? [];
  const lateHits = late.reduce((n, b) => n + b.hits, 0);
  const lateTotal = late.reduce((n, b) => n + b.total, 0);
  // Only a run that lasted 60 s says anything about growth from 20 s to 60 s.
  const long = s5 !== undefined && (s5.rss[s5.rss.length - 1]?.t ?? 0) >= 55;
  const rss20 = long ? rssMedian(s5, 15, 25) : null;
  const rss60 = long ? rssMedian(s5, 50, 60) : null;
  const list: Array<[string, number | null, string, (v: number) => boolean]> = [
    ['1: req/s vs { ping } baseline', vsPing === null ? null : round2(vsPing), '>= 1.0x', (v) => v >= 1],
    ['1: req/s vs bare node:http', ratio(s1?.requestsPerSecond, bare?.requestsPerSecond), '>= 0.2x', (v) => v >= 0.2],
    ['1: L2 value authentication per warm hit / server CPU per request', authShare(r), '<= 0.03', (v) => v <= 0.03],
    ['1: p99 at 50 connections (ms)', s1?.latencyMs.p99 ?? null, '< 10', (v) => v < 10],
    ['2: L2 hit p50 (ms)', hit?.latencyMs.p50 ?? null, '<= 0.4', (v) => v <= 0.4],
    ['2: DB load p50 / L2 hit p50', loadToHit === null ? null : round2(loadToHit), '>= 3x', (v) => v >= 3],
    ['4: decisions/s', s4 ? Math.round(s4.decisionsPerSecond) : null, '>= 100,000', (v) => v >= 100_000],
    ['4: p50 per request (ms)', s4?.latencyMs.p50 ?? null, '<= 2', (v) => v <= 2],
    ['5: hit rate after 10 s', lateTotal ? round(lateHits / lateTotal, 4) : null, '>= 0.95', (v) => v >= 0.95],
    ...(['8b', '8c', '8d'] as const).map((variant): [string, number | null, string, (v: number) => boolean] => {
      // Three decimals, checked as shown: a median of 0.795 is not 0.8.
      const ratio = median(telemetryRatios(r, variant));
      const [label, goal] = TELEMETRY_TARGETS[variant];
      return [`8: req/s ${label} vs off`, ratio === null ? null : round(ratio, 3), `>= ${goal}x`, (v) => v >= goal];
    }),
    ['5: RSS growth 20 s -> 60 s (10 s medians)', rss20 && rss60 ? round(rss60 / rss20 - 1, 4) : null, '< 0.05', (v) => v < 0.05],
  ];
  return list.map(([name, measured, goal, ok]) => ({ name, measured, goal, met: measured !== null && ok(measured) }));
}

export function markdown(r: BenchReport): string {
  const m = r.machine;
  const lines = [
    `## authz-gateway benchmark${r.smoke ? ' (smoke: tiny data and durations; figures mean nothing)' : ''}`,
    '',
    `${r.started} · ${m.cpu} · ${m.cores} cores · ${m.os} · Node ${m.node} · load average at start ${m.loadavgAtStart.map((l) => l.toFixed(2)).join(' ')}`,
    `Data: ${r.data.users} users, ${r.data.orgs} organizations, ${r.data.memberships} memberships${r.data.largeOrgMembers ? `, and for scenario 7 one more organization of ${r.data.largeOrgMembers} members` : ''}. Server and load generator share the machine.`,
    '',
    '| scenario | conns | req/s | p50 ms | p95 ms | p99 ms | decisions/s | hit rate | server CPU us/req | peak RSS MB | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.scenarios.map((s) =>
      `| ${s.name} | ${s.connections} | ${Math.round(s.requestsPerSecond)} | ${s.latencyMs.p50} | ${s.latencyMs.p95} | ${s.latencyMs.p99} | ${Math.round(s.decisionsPerSecond)} | ${s.hitRate === null ? '-' : `${(s.hitRate * 100).toFixed(1)}%`} | ${s.cpuMicrosPerRequest} | ${s.peakRssMb.toFixed(0)} | ${s.errors} |`,
    ),
    '',
  ];
  const bare1 = find(r, '6c');
  lines.push(
    `Round-trip floors on this machine, under scenario 2: a Redis PING from Node, p50 ${m.redisPing.p50} ms` +
      `${bare1 ? `; an HTTP request to bare node:http at 1 connection (6c), p50 ${bare1.latencyMs.p50} ms` : ''}.`,
    '',
  );
  if (r.telemetry) {
    const dropped = Object.entries(r.telemetry.spansDropped).map(([name, n]) => `${name} ${n ?? 'unknown'}`).join(', ');
    const ratios = Object.keys(r.telemetry.ratiosToOff ?? {}).map((name) => `${name} ${telemetryRatios(r, name).map(round2).join(', ')}`).join('; ');
    lines.push(
      `Scenario 8 ran each variant between two runs of 8a, in short runs (its rows are each one's median run); requests/s ratios to the mean of those two, run by run: ${ratios}.`,
      `Its sink received ${r.telemetry.sinkRequests} requests (${r.telemetry.sinkKiB} KiB); spans dropped by the gateways before they stopped: ${dropped}.`,
      '',
    );
  }
  const reqs = (rounds: Rounds) => `${rounds.map((x) => x.requestsPerSecond).join(', ')} req/s`;
  const p50s = (rounds: Rounds) => `${rounds.map((x) => x.p50Ms).join(', ')} ms`;
  lines.push(
    ...alternation(r, '1', '6a', pingRatios(r), (s1, ping) => ` (the rows above are each one's median round): scenario 1 at ${reqs(s1)}, { ping } at ${reqs(ping)}`),
    ...alternation(r, '2a', '2b', loadToHitRatios(r), (hit, load) => `: L2 hit p50 ${p50s(hit)}, DB load p50 ${p50s(load)}`),
  );
  const auth = r.l2Authentication;
  const s1 = find(r, '1 ');
  if (auth && s1) {
    lines.push(
      `L2 value authentication (bench/l2-auth-cost.ts, ${auth.pairs} genuine values, CPU time, between the rounds of scenario 1): ` +
        `${auth.memoHitMicros} us per warm hit with the memo hit (every hit of scenario 1) + ${auth.parseMacFieldsMicros} us parsing the MAC fields, ` +
        `against ${s1.cpuMicrosPerRequest} us of server CPU per request: ${((100 * (auth.memoHitMicros + auth.parseMacFieldsMicros)) / s1.cpuMicrosPerRequest).toFixed(2)}%. ` +
        `A value this process has not seen before costs ${auth.verifyMicros} us (an HMAC): ${((100 * auth.verifyMicros) / s1.cpuMicrosPerRequest).toFixed(1)}% of a request. ` +
        `Rounds (memo hit, HMAC, us): ${auth.rounds.map((x) => `${x.memoHitMicros}/${x.verifyMicros}`).join(', ')}.`,
      '',
    );
  }
  const s5 = find(r, '5 ');
  if (s5) {
    const rate = s5.series.filter(Boolean).map((b) => `${b.second}s ${b.total ? ((100 * b.hits) / b.total).toFixed(1) : '-'}%`);
    lines.push(`Scenario 5 hit rate per second: ${rate.join(', ')}`);
    const [early, late] = [rssMedian(s5, 15, 25), rssMedian(s5, 50, 60)];
    const medians = early !== null && late !== null ? `; median ${early.toFixed(1)} MB over 15-25 s, ${late.toFixed(1)} MB over 50-60 s` : '';
    lines.push(`Scenario 5 RSS: start ${s5.rss[0]?.rssMb.toFixed(1)} MB, end ${s5.rss[s5.rss.length - 1]?.rssMb.toFixed(1)} MB${medians}`, '');
  }
  lines.push('| target | measured | goal | met |', '| --- | ---: | ---: | :---: |');
  for (const t of targets(r)) lines.push(`| ${t.name} | ${t.measured ?? '-'} | ${t.goal} | ${t.met ? 'yes' : 'no'} |`);
  return `${lines.join('\n')}\n`;
}
