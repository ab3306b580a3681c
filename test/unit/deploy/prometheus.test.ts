import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { stringify } from 'yaml';
import { registerComponentMetrics } from '../../../src/observability/metrics';
import { createLogger } from '../../../src/observability/logger';
import { createMetrics } from '../../../src/observability/metrics';
import { promtool } from '../../helpers/promtool';

/** The alert rules and the dashboard, checked by promtool against the metrics the gateway exports. */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const PROMETHEUS_DIR = path.join(ROOT, 'deploy/prometheus');
const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'deploy/grafana/dashboards/authz-gateway.json'), 'utf8')) as {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
};

/** Every series name the gateway can export (histograms with their suffixes), and Prometheus' `up`. */
async function exportedSeries(): Promise<Set<string>> {
  const registry = new Registry();
  createMetrics(registry);
  createLogger('silent', undefined, { registry });
  registerComponentMetrics(registry, async () => ({ status: 'ready', components: { postgresql: { status: 'up' }, redis: { status: 'up' } }, cache: { l1: true, l2: 'redis' } }));
  const names = new Set(['up']);
  for (const metric of await registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
  }
  return names;
}

function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(authz_[a-z0-9_]+|up)\b(?=\s*[{[)]|\s*$|\s*==)/g)].map((m) => m[1]!);
}

test('promtool check rules accepts the alert rules', async () => {
  const res = await promtool(['check', 'rules', 'alerts.yml'], undefined, PROMETHEUS_DIR);
  expect(res.stdout).toContain('SUCCESS: 7 rules found');
  expect(res.code).toBe(0);
});

test('promtool test rules: each alert fires on the series it should, and not on healthy ones', async () => {
  const res = await promtool(['test', 'rules', 'alerts.test.yml'], undefined, PROMETHEUS_DIR);
  expect(res.stdout + res.stderr).toContain('SUCCESS');
  expect(res.code).toBe(0);
  const tested = readFileSync(path.join(PROMETHEUS_DIR, 'alerts.test.yml'), 'utf8');
  for (const alert of ['L2CacheNotWorking', 'AuthzLatencyHigh', 'AuthzL2ErrorRateHigh', 'AuthzDatabaseUnreachable', 'AuthzInstanceDown']) {
    expect(tested).toContain(`alertname: ${alert}`);
  }
});

test('promtool check config accepts prometheus.yml', async () => {
  const res = await promtool(['check', 'config', 'prometheus.yml'], undefined, PROMETHEUS_DIR);
  expect(res.code).toBe(0);
});

test('the alert rules and the dashboard use only metrics the gateway exports', async () => {
  const series = await exportedSeries();
  const rules = readFileSync(path.join(PROMETHEUS_DIR, 'alerts.yml'), 'utf8');
  const exprs = [...rules.matchAll(/expr: \|?\n?([\s\S]*?)\n\s+(?:for|labels):/g)].map((m) => m[1]!);
  exprs.push(...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)));
  const used = new Set(exprs.flatMap(metricNames));
  expect(used.size).toBeGreaterThan(8);
  for (const name of used) expect(series).toContain(name);
});

test('every dashboard query is valid PromQL (checked by promtool as recording rules)', async () => {
  const rules = dashboard.panels.flatMap((panel, i) =>
    panel.targets.map((t, j) => ({ record: `dashboard:panel_${i}_${j}`, expr: t.expr.replaceAll('$__rate_interval', '5m') })),
  );
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'authz-dashboard-')), 'dashboard-rules.yml');
  writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
  const res = await promtool(['check', 'rules', file]);
  expect(res.stdout + res.stderr).toContain(`SUCCESS: ${rules.length} rules found`);
  expect(res.code).toBe(0);
  const titles = dashboard.panels.map((p) => p.title).join(' | ');
  for (const topic of ['request rate', 'Hit rate per tier', 'p50 / p95 / p99 by cache status', 'L2 (Redis) errors', 'Decisions allowed / denied', 'Database query latency']) {
    expect(titles).toContain(topic);
  }
});
