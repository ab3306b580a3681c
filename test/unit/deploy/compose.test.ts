import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * docker-compose.yml, checked statically (no Docker engine here): the services the
 * stack needs, wired to each other through env, ports and health checks.
 */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, any>; volumes: Record<string, unknown> };
const { services } = compose;

test('the base stack is postgres, redis and the gateway; prometheus and grafana are under the monitoring profile', () => {
  expect(Object.keys(services).sort()).toEqual(['gateway', 'grafana', 'postgres', 'prometheus', 'redis']);
  for (const name of ['postgres', 'redis', 'gateway']) expect(services[name].profiles).toBeUndefined();
  for (const name of ['prometheus', 'grafana']) expect(services[name].profiles).toEqual(['monitoring']);
});

test('every service has a health check, and the gateway starts only once PostgreSQL and Redis are healthy', () => {
  for (const name of ['postgres', 'redis', 'gateway', 'prometheus']) expect(services[name].healthcheck?.test).toBeDefined();
  expect(services.gateway.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
  expect(services.prometheus.depends_on).toEqual({ gateway: { condition: 'service_healthy' } });
  expect(services.grafana.depends_on).toEqual({ prometheus: { condition: 'service_healthy' } });
  expect(services.gateway.healthcheck.test.join(' ')).toContain('/health');
});

test('Redis keeps the old service settings: 256 MB, allkeys-lru, append-only file', () => {
  const command = services.redis.command.join(' ');
  expect(command).toContain('--maxmemory 256mb');
  expect(command).toContain('--maxmemory-policy allkeys-lru');
  expect(command).toContain('--appendonly yes');
});

test('the gateway is wired to both services through env, listens on all interfaces and publishes its port', () => {
  const env = services.gateway.environment;
  expect(env.DATABASE_URL).toMatch(/^postgresql:\/\/\$\{POSTGRES_USER:-authz\}:\$\{POSTGRES_PASSWORD:-authz\}@postgres:5432\/\$\{POSTGRES_DB:-authz\}$/);
  expect(services.postgres.environment).toMatchObject({ POSTGRES_USER: '${POSTGRES_USER:-authz}', POSTGRES_PASSWORD: '${POSTGRES_PASSWORD:-authz}', POSTGRES_DB: '${POSTGRES_DB:-authz}' });
  expect(env.REDIS_URL).toBe('redis://redis:6379/0');
  expect(env).toMatchObject({ HOST: '0.0.0.0', PORT: 4000, NODE_ENV: 'production', LOG_FORMAT: 'json' });
  expect(env.ENABLE_METRICS).toBe('${ENABLE_METRICS:-true}');
  expect(services.gateway.ports).toEqual(['${GATEWAY_PORT:-4000}:4000']);
  expect(services.gateway.build).toBe('.');
});

test('Prometheus scrapes the gateway with the alert rules; Grafana is provisioned with the datasource and dashboard', () => {
  const promConfig = parse(readFileSync(path.join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8'));
  expect(promConfig.scrape_configs[0]).toMatchObject({ job_name: 'authz-gateway', metrics_path: '/metrics', static_configs: [{ targets: ['gateway:4000'] }] });
  expect(promConfig.rule_files).toEqual(['alerts.yml']);
  expect(services.prometheus.volumes).toContain('./deploy/prometheus:/etc/prometheus:ro');
  expect(services.grafana.volumes).toEqual(expect.arrayContaining(['./deploy/grafana/provisioning:/etc/grafana/provisioning:ro', './deploy/grafana/dashboards:/etc/grafana/dashboards:ro']));
  const provider = parse(readFileSync(path.join(ROOT, 'deploy/grafana/provisioning/dashboards/authz-gateway.yml'), 'utf8'));
  expect(provider.providers[0].options.path).toBe('/etc/grafana/dashboards');
  const datasource = parse(readFileSync(path.join(ROOT, 'deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8'));
  expect(datasource.datasources[0]).toMatchObject({ uid: 'prometheus', type: 'prometheus', url: 'http://prometheus:9090' });
});

test('every named volume used is declared', () => {
  const used = Object.values(services).flatMap((s: any) => (s.volumes ?? []) as string[]).map((v) => v.split(':')[0]!).filter((v) => !v.startsWith('.'));
  for (const volume of used) expect(Object.keys(compose.volumes)).toContain(volume);
});
