import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BenchReport } from '../../bench/report';

/**
 * Keeps `npm run bench` from rotting: runs its smoke mode (tiny data, ~1 s per scenario,
 * real PostgreSQL and Redis) and checks the shape of what it writes. Figures are not
 * asserted: speed is measured by the benchmark itself, never by tests.
 */
const ROOT = path.resolve(__dirname, '..', '..');

test('npm run bench -- --smoke writes a JSON report and a Markdown table for every scenario', async () => {
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke'], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' } });
  const report = JSON.parse(readFileSync(path.join(ROOT, 'bench', 'results', 'smoke.json'), 'utf8')) as BenchReport;
  expect(report.smoke).toBe(true);
  expect(report.machine.cores).toBeGreaterThan(0);
  expect(report.machine.redisPing.p50).toBeGreaterThan(0);
  // Scenario 1 and { ping } alternate, then 2a and 2b (two rounds each in smoke mode):
  // one row each, in the order of their first round.
  expect(report.scenarios.map((s) => s.name.split(' ')[0])).toEqual(['1', '6a', '2a', '2b', '4', '3', '5', '8a', '8b', '8c', '8d', '6b', '6c', '7']);
  for (const s of report.scenarios) {
    expect(s.requests).toBeGreaterThan(0);
    expect(s.errors).toBe(0);
    expect(s.requestsPerSecond).toBeGreaterThan(0);
    expect(s.latencyMs.p50).toBeLessThanOrEqual(s.latencyMs.p99);
    expect(s.peakRssMb).toBeGreaterThan(0);
  }
  const byName = (prefix: string) => report.scenarios.find((s) => s.name.startsWith(prefix))!;
  // Warm, so nearly every answer is a hit; not exactly all: on a loaded machine an L2 call
  // can pass its 50 ms deadline and count as a miss (DEGRADED), as designed.
  expect(byName('1 ').hitRate).toBeGreaterThan(0.5);
  expect(byName('4 ').decisionsPerSecond).toBeCloseTo(byName('4 ').requestsPerSecond * 100);
  expect(byName('5 ').series.length).toBeGreaterThan(0);
  for (const prefix of ['1 ', '6a', '2a', '2b', '8b', '8c', '8d']) {
    const rounds = byName(prefix).rounds!;
    expect(rounds.map((r) => r.round)).toEqual([1, 2]);
    // The row is the slower round (the lower middle of two).
    expect(Math.round(byName(prefix).requestsPerSecond)).toBe(Math.min(...rounds.map((r) => r.requestsPerSecond)));
  }
  // Scenario 8: each variant ran between two runs of 8a (8a, 8b, 8a, 8c, 8a, 8d, 8a, ...); a ratio per variant run.
  expect(byName('8a').rounds).toHaveLength(7);
  for (const variant of ['8b', '8c', '8d']) expect(report.telemetry!.ratiosToOff?.[variant]).toHaveLength(2);
  // L2 value authentication, measured once per round of scenario 1 (figures not asserted).
  expect(report.l2Authentication!.rounds).toHaveLength(2);
  for (const field of ['memoHitMicros', 'verifyMicros'] as const) expect(report.l2Authentication![field]).toBeGreaterThan(0);
  const table = readFileSync(path.join(ROOT, 'bench', 'results', 'smoke.md'), 'utf8');
  expect(table).toContain('| scenario |');
  expect(table).toContain('| target | measured | goal | met |');
  expect(table).toMatch(/\| 8: req\/s Apollo Studio on vs off \| [\d.]+ \|/);
  expect(table).toMatch(/\| 8: req\/s OpenTelemetry 100% vs off \| [\d.]+ \|/);
  expect(table).toMatch(/Scenario 8 ran each variant between two runs of 8a, .* 8b [\d.]+, [\d.]+; 8c [\d.]+, [\d.]+; 8d [\d.]+, [\d.]+\./);
  expect(table).toMatch(/Scenario 1 and 6a ran in 2 alternating rounds .* ratios [\d.]+, [\d.]+\./);
  expect(table).toMatch(/Scenario 2a and 2b ran in 2 alternating rounds: L2 hit p50 [\d.]+, [\d.]+ ms, DB load p50 [\d.]+, [\d.]+ ms; ratios [\d.]+, [\d.]+\./);
  expect(table).toMatch(/\| 1: L2 value authentication per warm hit \/ server CPU per request \| [\d.]+ \| <= 0.03 \|/);
  expect(table).toMatch(/L2 value authentication \(bench\/l2-auth-cost.ts, 1000 genuine values/);
  expect(table).toMatch(/a Redis PING from Node, p50 [\d.]+ ms; an HTTP request to bare node:http at 1 connection \(6c\), p50 [\d.]+ ms/);
}, 180_000);
