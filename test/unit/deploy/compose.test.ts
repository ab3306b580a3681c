import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config/config';

/**
 * docker-compose.yml and deploy/prometheus/prometheus.yml, cross-checked: the gateway's
 * healthcheck and Prometheus' scrape use the operations port the gateway service sets.
 * `npm run test:compose` runs the stack for real.
 */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const readYaml = (file: string) => parse(readFileSync(path.join(ROOT, file), 'utf8'));

type Service = { environment: Record<string, string | number | null>; healthcheck: { test: string[] }; ports: string[] };
const gateway = (readYaml('docker-compose.yml') as { services: Record<string, Service> }).services.gateway!;
const scrapeConfigs = (readYaml('deploy/prometheus/prometheus.yml') as {
  scrape_configs: Array<{ job_name: string; metrics_path: string; static_configs: Array<{ targets: string[] }> }>;
}).scrape_configs;
const port = Number(gateway.environment.PORT);
const opsPort = Number(gateway.environment.AUTHZ_OPS_PORT);

test('the gateway service sets an operations port of its own, which the gateway accepts', () => {
  expect(opsPort).toBeGreaterThan(0);
  expect(opsPort).not.toBe(port);
  const http = loadConfig({ PORT: String(port), AUTHZ_OPS_PORT: String(opsPort) }).http;
  expect(http).toMatchObject({ port, opsPort });
});

test("the gateway's healthcheck GETs /health on the operations port", () => {
  const [kind, ...command] = gateway.healthcheck.test;
  expect(kind).toBe('CMD');
  expect(command.join(' ')).toContain(`fetch('http://127.0.0.1:${opsPort}/health')`);
  expect(command.join(' ')).not.toContain(`:${port}/`);
});

test("Prometheus scrapes /metrics on the gateway service's operations port, as job authz-gateway", () => {
  expect(scrapeConfigs).toHaveLength(1);
  const [job] = scrapeConfigs;
  expect(job).toMatchObject({ job_name: 'authz-gateway', metrics_path: '/metrics' });
  expect(job!.static_configs.flatMap((c) => c.targets)).toEqual([`gateway:${opsPort}`]);
});

test('only PORT is published on the host; the operations port stays on the Compose network', () => {
  expect(gateway.ports.map((p) => Number(p.split(':').pop()))).toEqual([port]);
});
