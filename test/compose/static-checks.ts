// Checks of the Compose stack's files that no container here can make (called by
// test/compose/run.sh; prints one PASS/FAIL line per check, exits 1 on any FAIL):
//   tsx test/compose/static-checks.ts rules RULES_API_JSON     Prometheus loaded every alert of deploy/prometheus/alerts.yml
//   tsx test/compose/static-checks.ts grafana METRICS_TEXT     Grafana's provisioning and dashboard, against a real scrape
// Grafana has no stand-in image on these machines, so its files are checked statically.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..');
const results: Array<[boolean, string]> = [];
const check = (ok: boolean, name: string, detail = '') => results.push([ok, detail && !ok ? `${name}: ${detail}` : name]);
const readYaml = (file: string) => parse(readFileSync(path.join(ROOT, file), 'utf8'));

/** Every alert of alerts.yml appears, by name, in GET /api/v1/rules of the running Prometheus. */
function rules(apiJson: string): void {
  const expected = (readYaml('deploy/prometheus/alerts.yml').groups as Array<{ rules: Array<{ alert?: string }> }>)
    .flatMap((g) => g.rules.map((r) => r.alert))
    .filter((a): a is string => Boolean(a));
  const api = JSON.parse(readFileSync(apiJson, 'utf8')) as { data: { groups: Array<{ rules: Array<{ name: string; type: string; health: string }> }> } };
  const loaded = api.data.groups.flatMap((g) => g.rules);
  const missing = expected.filter((name) => !loaded.some((r) => r.name === name && r.type === 'alerting'));
  check(expected.length > 0 && missing.length === 0, `Prometheus loaded all ${expected.length} alert rules of alerts.yml`, `missing ${missing.join(', ')}`);
  const unhealthy = loaded.filter((r) => r.health === 'err');
  check(unhealthy.length === 0, 'no alert rule fails to evaluate', unhealthy.map((r) => r.name).join(', '));
}

/** Metric names a PromQL expression reads: identifiers before a selector or range, and every authz_* name. */
function metricNames(expr: string): string[] {
  const names = [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/g), ...expr.matchAll(/\b(authz_[a-z0-9_]+)/g)].map((m) => m[1]!);
  return [...new Set(names)];
}

/** Series names in a /metrics scrape: every `# TYPE` name, and the suffixed series of histograms and summaries. */
function scrapedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]!);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1]! + s);
    if (m[2] === 'summary') for (const s of ['_sum', '_count']) names.add(m[1]! + s);
  }
  return names;
}

function grafana(metricsFile: string): void {
  const compose = readYaml('docker-compose.yml') as { services: Record<string, { volumes?: string[]; ports?: string[] }> };
  const mounts = new Map((compose.services.grafana?.volumes ?? []).map((v) => v.split(':')).map(([from, to]) => [to!, from!]));
  check(mounts.get('/etc/grafana/provisioning') === './deploy/grafana/provisioning', 'Compose mounts deploy/grafana/provisioning at /etc/grafana/provisioning');

  const datasources = readYaml('deploy/grafana/provisioning/datasources/prometheus.yml').datasources as Array<{ uid: string; type: string; url: string }>;
  const promPort = (compose.services.prometheus?.ports ?? []).map((p) => p.split(':').pop()).find(Boolean);
  const prometheus = datasources.find((d) => d.type === 'prometheus');
  check(prometheus?.url === `http://prometheus:${promPort}`, `the datasource reaches the Compose service prometheus:${promPort}`, `url ${prometheus?.url}`);

  const providers = readYaml('deploy/grafana/provisioning/dashboards/authz-gateway.yml').providers as Array<{ options: { path: string } }>;
  const hostDirs = providers.map((p) => mounts.get(p.options.path));
  const dashboards = hostDirs.flatMap((dir) => (dir && existsSync(path.join(ROOT, dir)) ? readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith('.json')).map((f) => path.join(dir, f)) : []));
  check(hostDirs.every(Boolean) && dashboards.length > 0, 'every dashboard provider path is mounted from the repository and holds dashboards', `paths ${providers.map((p) => p.options.path).join(', ')}`);

  const uids = new Set(datasources.map((d) => d.uid));
  const scraped = scrapedNames(readFileSync(metricsFile, 'utf8'));
  const job = (readYaml('deploy/prometheus/prometheus.yml').scrape_configs as Array<{ job_name: string }>)[0]!.job_name;
  for (const file of dashboards) {
    let dashboard: { uid?: string; panels: Array<{ title: string; datasource?: { uid: string }; targets?: Array<{ expr: string; datasource?: { uid: string } }> }> };
    try {
      dashboard = JSON.parse(readFileSync(path.join(ROOT, file), 'utf8'));
    } catch (error) {
      check(false, `${file} is JSON`, String(error));
      continue;
    }
    check(Boolean(dashboard.uid) && dashboard.panels.length > 0, `${file} parses, has a uid and ${dashboard.panels.length} panels`);
    const refs = dashboard.panels.flatMap((p) => [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]).filter((d) => d !== undefined);
    const unknown = refs.filter((d) => !uids.has(d.uid)).map((d) => d.uid);
    check(refs.length > 0 && unknown.length === 0, `${file}: every datasource uid is provisioned (${[...uids].join(', ')})`, `unknown ${unknown.join(', ')}`);
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    const used = [...new Set(exprs.flatMap(metricNames))];
    // `up` is Prometheus' own series for each target, not the gateway's.
    const missing = used.filter((name) => name !== 'up' && !scraped.has(name));
    check(used.length > 5 && missing.length === 0, `${file}: all ${used.length} metric names of its PromQL are in the gateway's /metrics`, `not scraped: ${missing.join(', ')}`);
    const jobs = exprs.flatMap((e) => [...e.matchAll(/job="([^"]+)"/g)].map((m) => m[1]!));
    check(jobs.every((j) => j === job), `${file}: job label selectors name the scrape job ${job}`, jobs.join(', '));
  }
}

const [command, file] = process.argv.slice(2);
if (!file || !['rules', 'grafana'].includes(command ?? '')) {
  console.error('usage: tsx test/compose/static-checks.ts rules|grafana FILE');
  process.exit(2);
}
if (command === 'rules') rules(file);
else grafana(file);
for (const [ok, name] of results) console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}`);
process.exit(results.every(([ok]) => ok) ? 0 : 1);
