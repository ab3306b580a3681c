import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../../src/config/config';

/** .env.example documents every variable config.ts reads, with its default. */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const example = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
const documented = new Map(
  example
    .split('\n')
    .filter((l) => /^[A-Z0-9_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
);

test('every variable of the configuration schema is in .env.example', () => {
  const source = readFileSync(path.join(ROOT, 'src/config/config.ts'), 'utf8');
  const schema = source.slice(source.indexOf('const envSchema = z.object({'), source.indexOf('\n});', source.indexOf('const envSchema')));
  const variables = [...schema.matchAll(/^ {2}([A-Z0-9_]+):/gm)].map((m) => m[1]!);
  expect(variables.length).toBeGreaterThan(20);
  for (const name of variables) expect([...documented.keys()]).toContain(name);
});

test('the values in .env.example are the defaults: loading them equals loading nothing', () => {
  const gatewayVariables = Object.fromEntries([...documented].filter(([k]) => !/^(POSTGRES|GATEWAY_PORT|PROMETHEUS|GRAFANA)/.test(k)));
  expect(loadConfig(gatewayVariables)).toEqual(loadConfig({}));
});

test('.env.example holds no secrets beyond the local compose defaults', () => {
  expect(documented.get('APOLLO_KEY')).toBe('');
});
