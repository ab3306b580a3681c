import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, runScript } from '../helpers/cli';

/** `npm run policy:test` as CI runs it: the shipped example, a wrong expectation, a malformed file. */
const DEMO = path.join(ROOT, 'policy-tests', 'demo.yaml');
// Each run starts a process that compiles PGlite's WebAssembly and migrates a database.
jest.setTimeout(120_000);

function tempFile(name: string, text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'authz-policy-test-')), name);
  writeFileSync(file, text);
  return file;
}

// policy-tests/demo-policy.json is `npm run export` of the demo data (export.test.ts checks it byte for byte).
test('the shipped example passes on the demo policy it ships with', async () => {
  const res = await runScript('scripts/policy-test.ts', [DEMO], {});
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  const lines = res.stdout.trim().split('\n');
  expect(lines.filter((l) => l.startsWith('  ✓ '))).toHaveLength(20);
  expect(lines).toContain("  ✓ before it expired, dave could read documents › check dave in acme document:read: allowed");
  expect(lines.at(-1)).toBe('20 passed, 0 failed');
});

test('a wrong expectation fails with exit 1 and the difference; JUnit XML names it', async () => {
  const file = tempFile(
    'wrong.yaml',
    `policy: ${path.join(ROOT, 'policy-tests', 'demo-policy.json')}
tests:
  - name: wrong on purpose
    check:
      - { user: bob, org: acme, permission: billing:refund, allowed: true }
      - { user: bob, org: acme, permission: document:edit, allowed: true }
    permissions:
      - { user: carol, org: acme, expect: ["*:read"] }
    whoCan:
      - { org: acme, permission: document:edit, expect: [bob, zed] }
`,
  );
  const report = path.join(path.dirname(file), 'report.xml');
  const res = await runScript('scripts/policy-test.ts', [file, '--reporter', 'junit', '--out', report], {});
  expect(res.code).toBe(1);
  expect(res.stdout).toContain('  ✗ wrong on purpose › check bob in acme billing:refund: allowed\n      expected: allowed\n      actual:   denied (Denied: no role or grant of the member has a pattern matching the permission.)');
  expect(res.stdout).toContain('  ✓ wrong on purpose › check bob in acme document:edit: allowed');
  expect(res.stdout).toContain('      expected permissions: [*:read]\n      actual permissions:   [*:read, report:export]\n      + unexpected: [report:export]');
  expect(res.stdout).toContain('      expected users: [bob, zed]\n      actual users:   [alice, bob]\n      - missing:    [zed]\n      + unexpected: [alice]');
  expect(res.stdout.trim().split('\n').at(-1)).toBe('1 passed, 3 failed');
  const xml = readFileSync(report, 'utf8');
  expect(xml).toContain('<testsuites name="policy:test" tests="4" failures="3" errors="0">');
  expect(xml).toContain('<testcase classname="wrong on purpose" name="check bob in acme document:edit: allowed"/>');
  expect(xml).toContain('<failure message="expected users: [bob, zed]">');
});

test('a malformed file is refused with exit 2 and the path of each problem', async () => {
  const file = tempFile(
    'bad.yaml',
    `policy:
  organizations: [{ id: acme, name: Acme }]
  roles: [{ orgId: acme, name: r, permissions: ["Doc:read"] }]
now: tomorrow
tests:
  - name: broken
    check:
      - { user: bob, org: acme, permission: "document:*", allowed: yes }
`,
  );
  const res = await runScript('scripts/policy-test.ts', [file], {});
  expect(res.code).toBe(2);
  expect(res.stderr).toContain(`${file}: invalid, not run`);
  expect(res.stderr).toContain('$.now: must be an ISO 8601 date-time with a time zone, e.g. 2030-01-01T00:00:00Z (line 4)');
  expect(res.stderr).toContain('$.tests[0].check[0].permission: "document:*" is a pattern; ask about a concrete permission (no "*") (line 8)');
  expect(res.stderr).toMatch(/\$\.tests\[0\]\.check\[0\]\.allowed: must be true or false \(line 8\)/);
  const policy = await runScript('scripts/policy-test.ts', [tempFile('p.yaml', 'policy:\n  roles: [{ orgId: acme, name: r, permissions: ["Doc:read"] }]\ntests: [{ name: t, whoCan: [{ org: acme, permission: a:b, expect: [] }] }]\n')], {});
  expect(policy.code).toBe(2);
  expect(policy.stderr).toContain('$.policy.roles[0].permissions[0]: the resource of "Doc:read" may only contain');
  const syntax = await runScript('scripts/policy-test.ts', [tempFile('s.yaml', 'policy: [\n')], {});
  expect(syntax.code).toBe(2);
  expect(syntax.stderr).toMatch(/line \d+, column \d+/);
  const usage = await runScript('scripts/policy-test.ts', [], {});
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain('usage: npm run policy:test');
});
