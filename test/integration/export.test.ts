import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describeIdProblem, describeNameProblem } from '../../src/authz/identifiers';
import { type Database, openDatabase } from '../../src/store/database';
import { DEMO_POLICY } from '../../src/store/demo-data';
import { exportPolicy } from '../../src/store/policy-export';
import { parsePolicyFile, type PolicyFile } from '../../src/store/policy-file';
import { importPolicy } from '../../src/store/policy-import';
import { ROOT, runScript, TSX } from '../helpers/cli';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

/** `npm run export`: the import format, byte-identical after a round trip through an empty database. */
jest.setTimeout(120_000);

let dbs: TestDatabase[] = [];
let open: Database[] = [];

async function database(): Promise<{ test: TestDatabase; db: Database }> {
  const test = await createTestDatabase();
  const db = await openDatabase({ kind: 'postgres', url: test.url });
  dbs.push(test);
  open.push(db);
  return { test, db };
}

afterAll(async () => {
  for (const db of open) await db.close();
  for (const test of dbs) await test.drop();
});

/** The export as text; checks that it was written a page at a time (never more entries per write than a page). */
async function exported(db: Database, options: { orgIds?: string[]; pageSize?: number } = {}): Promise<string> {
  const chunks: string[] = [];
  await exportPolicy(db.prisma, async (chunk) => void chunks.push(chunk), options);
  for (const chunk of chunks) expect(chunk.split('\n    {').length - 1).toBeLessThanOrEqual(options.pageSize ?? 1_000);
  return chunks.join('');
}

async function empty(db: Database): Promise<void> {
  await db.prisma.$executeRawUnsafe('TRUNCATE organizations, audit_events CASCADE');
}

test('the demo data: export, import into an empty database, export again: the same bytes (the CLIs)', async () => {
  const [a, b] = [await database(), await database()];
  await importPolicy(a.db.prisma, DEMO_POLICY);
  const dir = mkdtempSync(path.join(tmpdir(), 'authz-export-'));
  const first = path.join(dir, 'first.json');
  const second = path.join(dir, 'second.json');
  const out = await runScript('scripts/export-policy.ts', ['--out', first], { DATABASE_URL: a.test.url, LOG_LEVEL: 'silent' });
  expect(out.stderr).toBe('exported 2 organizations, 4 roles, 5 memberships, 2 grants to ' + first + '\n');
  expect(out.code).toBe(0);
  const imported = await runScript('scripts/import-policy.ts', [first], { DATABASE_URL: b.test.url, LOG_LEVEL: 'silent', AUTHZ_L2_CACHE_ENABLED: 'false' });
  expect(imported.code).toBe(0);
  expect((await runScript('scripts/export-policy.ts', ['--out', second], { DATABASE_URL: b.test.url, LOG_LEVEL: 'silent' })).code).toBe(0);
  const text = readFileSync(first, 'utf8');
  expect(readFileSync(second, 'utf8')).toBe(text);
  // Sorted keys, one entry per line, the expired grant with its expiry, a final newline.
  expect(text).toContain('\n    {"expiresAt":"2020-01-01T00:00:00.000Z","orgId":"acme","permission":"document:read","userId":"dave"}');
  expect(text).toMatch(/^\{\n {2}"grants": \[\n[\s\S]*\n {2}\],\n {2}"memberships": \[\n[\s\S]*\n {2}"organizations": [\s\S]*\n {2}"roles": [\s\S]*\n {2}\]\n\}\n$/);
  expect(parsePolicyFile(JSON.parse(text))).toEqual(normalise(parsePolicyFile(DEMO_POLICY)));
  // The shipped example policy is this export.
  expect(readFileSync(path.join(__dirname, '..', '..', 'policy-tests', 'demo-policy.json'), 'utf8')).toBe(text);
});

test('--org exports only those organizations; invalid arguments exit 2 and write nothing', async () => {
  const { test: t, db } = await database();
  await importPolicy(db.prisma, DEMO_POLICY);
  const env = { DATABASE_URL: t.url, LOG_LEVEL: 'silent' };
  const globex = await runScript('scripts/export-policy.ts', ['--org', 'globex', '--org', 'globex'], env);
  expect(globex.code).toBe(0);
  expect(JSON.parse(globex.stdout)).toEqual({
    grants: [],
    memberships: [{ orgId: 'globex', roles: ['viewer'], userId: 'alice' }],
    organizations: [{ id: 'globex', name: 'Globex' }],
    roles: [{ name: 'viewer', orgId: 'globex', permissions: ['*:read'] }],
  });
  for (const [args, message] of [
    [['--org', 'nope'], 'no such organization: "nope"'],
    [['--org', ''], '--org "": must not be empty'],
    [['--frobnicate'], "Unknown option '--frobnicate'"],
    [['stray'], 'stray'],
  ] as const) {
    const res = await runScript('scripts/export-policy.ts', [...args], env);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain(message);
    expect(res.stderr).toContain('usage: npm run export');
  }
});

test('a reader that stops early (`npm run export | head`) ends the export quietly: exit 0, nothing on stderr', async () => {
  const { test: t, db } = await database();
  // Far more than a pipe holds, so the export is still writing when its reader goes away.
  await db.prisma.$executeRawUnsafe(`INSERT INTO organizations (id, name) SELECT 'org-' || g, 'Organization ' || g FROM generate_series(1, 20000) g`);
  const child = spawn(TSX, ['scripts/export-policy.ts'], { cwd: ROOT, env: { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const firstLine = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().split('\n')[0]!)));
  child.stdout.destroy(); // what `head` does once it has its lines
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(firstLine).toBe('{');
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
});

const HOSTILE = ['acme', "o'brien", 'a b', '%', '_', '\\', '"q"', 'ü', 'u\u0308', '😀', 'x\u200by', 'auth0|1', 'Ω', 'z', 'A'];
const id = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'binary', minLength: 1, maxLength: 5 }).filter((s) => describeIdProblem(s) === null));
const roleName = fc.oneof(fc.constantFrom('admin', 'editor', "rôle 'x'", 'a b'), fc.string({ unit: 'binary', minLength: 1, maxLength: 5 }).filter((s) => describeNameProblem(s) === null));
const pattern = fc.tuple(fc.constantFrom('document', 'report', '*', 'a.b-c_d'), fc.constantFrom('read', 'edit', '*')).map(([r, a]) => `${r}:${a}`);
const expiry = fc.oneof(fc.constant(null), fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()));

/** A random store in the import format: hostile IDs and names, wildcards, past and future expiries. */
const store: fc.Arbitrary<PolicyFile> = fc
  .uniqueArray(fc.record({ id, name: roleName }), { selector: (o) => o.id, minLength: 1, maxLength: 3 })
  .chain((organizations) =>
    fc
      .tuple(
        ...organizations.map((org) =>
          fc.record({
            roles: fc.uniqueArray(fc.record({ name: roleName, permissions: fc.array(pattern, { maxLength: 4 }) }), { selector: (r) => r.name, maxLength: 3 }),
            users: fc.uniqueArray(id, { maxLength: 5 }),
          }).chain(({ roles, users }) =>
            fc.record({
              roles: fc.constant(roles.map((r) => ({ orgId: org.id, ...r }))),
              memberships: fc.tuple(...users.map((userId) => fc.record({ userId: fc.constant(userId), orgId: fc.constant(org.id), roles: fc.subarray(roles.map((r) => r.name)) }))),
              grants: fc.tuple(
                ...users.map((userId) => fc.uniqueArray(fc.record({ userId: fc.constant(userId), orgId: fc.constant(org.id), permission: pattern, expiresAt: expiry }), { selector: (g) => g.permission, maxLength: 2 })),
              ),
            }),
          ),
        ),
      )
      .map((parts) => ({
        organizations,
        roles: parts.flatMap((p) => p.roles),
        memberships: parts.flatMap((p) => p.memberships),
        grants: parts.flatMap((p) => p.grants.flat()),
      })),
  );

/** The policy as an export states it: role patterns unique and sorted, membership roles sorted, every expiry explicit. */
function normalise(p: PolicyFile) {
  return {
    organizations: p.organizations,
    roles: p.roles.map((r) => ({ ...r, permissions: [...new Set(r.permissions)].sort() })),
    memberships: p.memberships.map((m) => ({ ...m, roles: [...m.roles].sort() })),
    grants: p.grants.map((g) => ({ ...g, expiresAt: g.expiresAt ? new Date(g.expiresAt).toISOString() : null })),
  };
}

const sortBy = <T>(items: T[], key: (item: T) => string[]) => [...items].sort((x, y) => Buffer.compare(Buffer.from(JSON.stringify(key(x))), Buffer.from(JSON.stringify(key(y)))));

test('a random store: the round trip through an empty database is byte-identical, whatever the page size', async () => {
  const [a, b] = [await database(), await database()];
  await fc.assert(
    fc.asyncProperty(store, fc.integer({ min: 1, max: 4 }), async (policy, pageSize) => {
      await empty(a.db);
      await empty(b.db);
      await importPolicy(a.db.prisma, parsePolicyFile(policy));
      const first = await exported(a.db, { pageSize });
      await importPolicy(b.db.prisma, parsePolicyFile(JSON.parse(first)));
      expect(await exported(b.db, { pageSize: 1_000 })).toBe(first);
      // And the export says what the store holds.
      const back = normalise(parsePolicyFile(JSON.parse(first)));
      const want = normalise(policy);
      expect(sortBy(back.organizations, (o) => [o.id])).toEqual(sortBy(want.organizations, (o) => [o.id]));
      expect(sortBy(back.roles, (r) => [r.orgId, r.name])).toEqual(sortBy(want.roles, (r) => [r.orgId, r.name]));
      expect(sortBy(back.memberships, (m) => [m.orgId, m.userId])).toEqual(sortBy(want.memberships, (m) => [m.orgId, m.userId]));
      expect(sortBy(back.grants, (g) => [g.orgId, g.userId, g.permission])).toEqual(sortBy(want.grants, (g) => [g.orgId, g.userId, g.permission]));
    }),
    { numRuns: 30 },
  );
});
