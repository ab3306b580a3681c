// The benchmark's result format and its Markdown summary: one row per scenario, then
// the issue's targets as ratios measured in the same run.
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
}

export interface BenchReport {
  started: string;
  smoke: boolean;
  machine: { cpu: string; cores: number; os: string; node: string; loadavgAtStart: number[]; redisPing: LatencySummary };
  data: { users: number; orgs: number; memberships: number };
  scenarios: ScenarioResult[];
}

export interface Target {
  name: string;
  measured: number | null;
  goal: string;
  met: boolean;
}

const find = (r: BenchReport, prefix: string) => r.scenarios.find((s) => s.name.startsWith(prefix));

/** The issue's targets, each computed from this run's scenarios. */
export function targets(r: BenchReport): Target[] {
  const s1 = find(r, '1 ');
  const hit = find(r, '2a');
  const db = find(r, '2b');
  const s4 = find(r, '4 ');
  const s5 = find(r, '5 ');
  const ping = find(r, '6a');
  const bare = find(r, '6b');
  const ratio = (a?: number, b?: number) => (a && b ? round(a / b, 2) : null);
  const late = s5?.series.filter((b) => b && b.second >= 10) ?? [];
  const lateHits = late.reduce((n, b) => n + b.hits, 0);
  const lateTotal = late.reduce((n, b) => n + b.total, 0);
  const rssAt = (t: number) => s5?.rss.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best), s5.rss[0]!).rssMb;
  // Only a run that lasted 60 s says anything about growth from 20 s to 60 s.
  const long = (s5?.rss[s5.rss.length - 1]?.t ?? 0) >= 55;
  const rss20 = long ? rssAt(20) : undefined;
  const rss60 = long ? rssAt(60) : undefined;
  const list: Array<[string, number | null, string, (v: number) => boolean]> = [
    ['1: req/s vs { ping } baseline', ratio(s1?.requestsPerSecond, ping?.requestsPerSecond), '>= 1.0x', (v) => v >= 1],
    ['1: req/s vs bare node:http', ratio(s1?.requestsPerSecond, bare?.requestsPerSecond), '>= 0.2x', (v) => v >= 0.2],
    ['1: p99 at 50 connections (ms)', s1?.latencyMs.p99 ?? null, '< 10', (v) => v < 10],
    ['2: L2 hit p50 (ms)', hit?.latencyMs.p50 ?? null, '<= 0.4', (v) => v <= 0.4],
    ['2: DB load p50 / L2 hit p50', ratio(db?.latencyMs.p50, hit?.latencyMs.p50), '>= 3x', (v) => v >= 3],
    ['4: decisions/s', s4 ? Math.round(s4.decisionsPerSecond) : null, '>= 100,000', (v) => v >= 100_000],
    ['4: p50 per request (ms)', s4?.latencyMs.p50 ?? null, '<= 2', (v) => v <= 2],
    ['5: hit rate after 10 s', lateTotal ? round(lateHits / lateTotal, 4) : null, '>= 0.95', (v) => v >= 0.95],
    ['5: RSS growth 20 s -> 60 s', rss20 && rss60 ? round(rss60 / rss20 - 1, 4) : null, '< 0.05', (v) => v < 0.05],
  ];
  return list.map(([name, measured, goal, ok]) => ({ name, measured, goal, met: measured !== null && ok(measured) }));
}

export function markdown(r: BenchReport): string {
  const m = r.machine;
  const lines = [
    `## authz-gateway benchmark${r.smoke ? ' (smoke: tiny data and durations; figures mean nothing)' : ''}`,
    '',
    `${r.started} · ${m.cpu} · ${m.cores} cores · ${m.os} · Node ${m.node} · load average at start ${m.loadavgAtStart.map((l) => l.toFixed(2)).join(' ')}`,
    `Data: ${r.data.users} users, ${r.data.orgs} organizations, ${r.data.memberships} memberships. Server and load generator share the machine.`,
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
  const s5 = find(r, '5 ');
  if (s5) {
    const rate = s5.series.filter(Boolean).map((b) => `${b.second}s ${b.total ? ((100 * b.hits) / b.total).toFixed(1) : '-'}%`);
    lines.push(`Scenario 5 hit rate per second: ${rate.join(', ')}`);
    lines.push(`Scenario 5 RSS: start ${s5.rss[0]?.rssMb.toFixed(1)} MB, end ${s5.rss[s5.rss.length - 1]?.rssMb.toFixed(1)} MB`, '');
  }
  lines.push('| target | measured | goal | met |', '| --- | ---: | ---: | :---: |');
  for (const t of targets(r)) lines.push(`| ${t.name} | ${t.measured ?? '-'} | ${t.goal} | ${t.met ? 'yes' : 'no'} |`);
  return `${lines.join('\n')}\n`;
}
