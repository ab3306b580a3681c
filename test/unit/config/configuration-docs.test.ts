import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sectionVariables } from '../../../src/config/config';
import { preflightEnvSchema } from '../../../src/config/preflight';
import { textDefaults } from '../../../src/config/defaults';
import { ENV_DEFAULTS, ENV_NAMES } from '../../../src/config/schema';
import { SCRIPT_PARTS } from '../../../src/config/script-parts';

/** docs/configuration.md against the exported schemas: every variable, its default, and what each script reads. */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const doc = readFileSync(path.join(ROOT, 'docs/configuration.md'), 'utf8');
const section = (heading: string) => {
  const start = doc.indexOf(`\n## ${heading}\n`);
  expect(start).toBeGreaterThan(-1);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
};
/** `| \`NAME\` | default | meaning |` rows of the variable tables. */
const rows = new Map(
  [...section('Variables').matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()] as const),
);
const defaults: Readonly<Record<string, string | undefined>> = { ...ENV_DEFAULTS, ...textDefaults(preflightEnvSchema.shape) };
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

test('every variable has a row, and no row names a variable nobody reads', () => {
  const variables = new Set<string>([...ENV_NAMES, ...Object.keys(preflightEnvSchema.shape)]);
  expect([...variables].filter((name) => !rows.has(name))).toEqual([]);
  expect([...rows.keys()].filter((name) => !variables.has(name))).toEqual([]);
});

test("each row's default is the schema's default", () => {
  expect(rows.size).toBeGreaterThan(30);
  for (const [name, row] of rows) {
    const value = defaults[name];
    if (value === '') expect([name, row]).toEqual([name, 'empty']);
    // `unset: \`none\` (Compose: \`apikey\`)`: unset takes the default, a deployment file may set another.
    else if (value !== undefined) expect([name, row]).toEqual([name, expect.stringMatching(new RegExp(`^(?:unset: )?\`${escaped(value)}\`(?: \\(|$)`))]);
    else expect([name, row]).not.toEqual([name, expect.stringMatching(/^`[^`]+`$/)]);
  }
});

test('the scripts table lists exactly the variables each script reads', () => {
  const table = new Map(
    [...section('What each script reads').matchAll(/^\| `npm run ([a-z:]+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, [...m[2]!.matchAll(/`([A-Z0-9_]+)`/g)].map((v) => v[1]!)] as const),
  );
  for (const [script, parts] of Object.entries(SCRIPT_PARTS)) {
    expect([script, [...(table.get(script) ?? [])].sort()]).toEqual([script, sectionVariables(parts).sort()]);
  }
  expect(table.get('preflight')?.sort()).toEqual(Object.keys(preflightEnvSchema.shape).sort());
});
