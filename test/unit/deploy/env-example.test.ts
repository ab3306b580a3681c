import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../../src/config/config';
import { textDefaults } from '../../../src/config/defaults';
import { preflightEnvSchema } from '../../../src/config/preflight';
import { ENV_DEFAULTS, ENV_NAMES } from '../../../src/config/schema';

/** .env.example against the exported configuration schemas: every variable, with its default. */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const example = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
const documented = new Map(
  example
    .split('\n')
    .filter((l) => /^[A-Z0-9_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
);
const COMPOSE_ONLY = /^(POSTGRES|GATEWAY_PORT|PROMETHEUS|GRAFANA)/;
const defaults: Readonly<Record<string, string | undefined>> = { ...ENV_DEFAULTS, ...textDefaults(preflightEnvSchema.shape) };
const variables = [...new Set([...ENV_NAMES, ...Object.keys(preflightEnvSchema.shape)])];
/** Left empty although they have a default, so that a deployment file can supply its own. */
const EMPTY_ON_PURPOSE: Readonly<Record<string, string>> = { AUTH_MODE: 'docker-compose.yml sets apikey when it is empty' };

test('every variable of the configuration schemas is in .env.example, and nothing else but Compose settings', () => {
  expect(variables.length).toBeGreaterThan(30);
  expect(variables.filter((name) => !documented.has(name))).toEqual([]);
  const unknown = [...documented.keys()].filter((name) => !variables.includes(name) && !COMPOSE_ONLY.test(name));
  expect(unknown).toEqual([]);
});

test("each value in .env.example is the schema's default, empty where the schema has none", () => {
  expect(Object.keys(defaults).length).toBeGreaterThan(20);
  for (const name of variables) {
    const expected = name in EMPTY_ON_PURPOSE ? '' : (defaults[name] ?? '');
    expect({ name, value: documented.get(name) }).toEqual({ name, value: expected });
  }
  for (const name of Object.keys(EMPTY_ON_PURPOSE)) expect({ name, default: defaults[name] }).toEqual({ name, default: expect.any(String) });
});

test('the values in .env.example are the defaults: loading them equals loading nothing', () => {
  const gatewayVariables = Object.fromEntries([...documented].filter(([k]) => !COMPOSE_ONLY.test(k)));
  expect(loadConfig(gatewayVariables)).toEqual(loadConfig({}));
});

test('.env.example holds no secrets beyond the local compose defaults', () => {
  for (const name of ['APOLLO_KEY', 'AUTH_JWT_SECRET', 'METRICS_TOKEN', 'PREFLIGHT_TOKEN']) expect(documented.get(name)).toBe('');
});
