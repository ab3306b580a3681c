import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../../src/config/config';
import { readinessEnvSchema } from '../../../src/config/readiness';
import { ENV_NAMES } from '../../../src/config/schema';

/** .env.example documents every variable src/config/ reads, with its default. */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const example = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
const documented = new Map(
  example
    .split('\n')
    .filter((l) => /^[A-Z0-9_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
);
const COMPOSE_ONLY = /^(POSTGRES|GATEWAY_PORT|PROMETHEUS|GRAFANA)/;

test('every variable of the configuration schemas is in .env.example, and nothing else but Compose settings', () => {
  const variables = [...new Set([...ENV_NAMES, ...Object.keys(readinessEnvSchema.shape)])];
  expect(variables.length).toBeGreaterThan(30);
  for (const name of variables) expect([...documented.keys()]).toContain(name);
  const unknown = [...documented.keys()].filter((name) => !variables.includes(name as never) && !COMPOSE_ONLY.test(name));
  expect(unknown).toEqual([]);
});

test('the values in .env.example are the defaults: loading them equals loading nothing', () => {
  const gatewayVariables = Object.fromEntries([...documented].filter(([k]) => !COMPOSE_ONLY.test(k)));
  expect(loadConfig(gatewayVariables)).toEqual(loadConfig({}));
});

test('.env.example holds no secrets beyond the local compose defaults', () => {
  for (const name of ['APOLLO_KEY', 'AUTH_JWT_SECRET', 'METRICS_TOKEN', 'READINESS_TOKEN']) expect(documented.get(name)).toBe('');
});
