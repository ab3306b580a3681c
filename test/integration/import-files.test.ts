import { openSync, closeSync, ftruncateSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runScript, writeJson } from '../helpers/cli';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';
import { openDatabase, type Database } from '../../src/store/database';
import { describeImportFailure, ImportFailedError } from '../../src/store/import-failure';
import { IMPORT_BATCH_ROWS } from '../../src/store/policy-import-batches';
import { MAX_POLICY_FILE_BYTES } from '../../src/store/policy-file-read';
import { parsePolicyFile } from '../../src/store/policy-file';
import { importPolicy } from '../../src/store/policy-import';
import { bringDatabaseUp, takeDatabaseDown } from '../helpers/pg-faults';

/** Import files as users have them: byte-order marks, many rows, files too large, and database failures in plain words. */
let testDb: TestDatabase;
let db: Database;
let env: Record<string, string>;
beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await openDatabase({ kind: 'postgres', url: testDb.url });
  env = { DATABASE_URL: testDb.url, AUTHZ_L2_CACHE_ENABLED: 'false', LOG_LEVEL: 'warn' };
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

function writeText(text: string | Buffer): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'authz-test-')), 'policy.json');
  writeFileSync(file, text);
  return file;
}

test('a file starting with a UTF-8 byte-order mark imports', async () => {
  const policy = { organizations: [{ id: 'bom-org', name: 'Written on Windows' }], memberships: [{ userId: 'ann', orgId: 'bom-org' }] };
  const file = writeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(policy))]));
  const res = await runScript('scripts/import-policy.ts', [file], env);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  expect(await db.prisma.membership.count({ where: { orgId: 'bom-org' } })).toBe(1);
});

test('a byte-order mark anywhere but the start is still not JSON', async () => {
  const res = await runScript('scripts/import-policy.ts', [writeText(`{"organizations":\uFEFF[]}`)], env);
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(/POLICY_FILE_UNREADABLE.*not valid JSON/);
});

test('a file over the size limit is refused before it is read, with the limit and what to do', async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'authz-test-')), 'huge.json');
  // Sparse: the size is what is checked, so the test writes no 100 MB.
  const fd = openSync(file, 'w');
  ftruncateSync(fd, MAX_POLICY_FILE_BYTES + 1);
  closeSync(fd);
  const res = await runScript('scripts/import-policy.ts', [file], env);
  expect(res.code).toBe(1);
  expect(res.stderr).toContain('import failed [POLICY_FILE_TOO_LARGE]');
  expect(res.stderr).toContain('over the import limit of 100.0 MB; nothing was imported');
});

test('a file of several batches imports exactly, and a second import with --replace sets roles and removes what it no longer lists', async () => {
  const members = IMPORT_BATCH_ROWS * 2 + 17;
  const org = (i: number) => `batch-${i % 3}`;
  const first = {
    organizations: [0, 1, 2].map((i) => ({ id: org(i), name: `Batch ${i}` })),
    roles: [0, 1, 2].flatMap((i) => [
      { orgId: org(i), name: 'reader', permissions: ['doc:read', 'doc:read', 'a:b'] },
      { orgId: org(i), name: 'writer', permissions: ['doc:write'] },
    ]),
    memberships: Array.from({ length: members }, (_, i) => ({ userId: `user-${i}`, orgId: org(i), roles: i % 2 ? ['reader', 'writer'] : ['reader'] })),
    grants: Array.from({ length: members }, (_, i) => i).filter((i) => i % 4 === 0).map((i) => ({ userId: `user-${i}`, orgId: org(i), permission: 'report:export', expiresAt: '2099-01-01T00:00:00Z' })),
  };
  const res = await runScript('scripts/import-policy.ts', [writeJson(first)], env);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  const batchOrgs = { orgId: { in: [org(0), org(1), org(2)] } };
  expect(await db.prisma.membership.count({ where: batchOrgs })).toBe(members);
  expect(await db.prisma.membershipRole.count({ where: batchOrgs })).toBe(members + Math.floor(members / 2));
  expect(await db.prisma.grant.count({ where: batchOrgs })).toBe(Math.ceil(members / 4));
  expect((await db.prisma.role.findFirstOrThrow({ where: { orgId: org(0), name: 'reader' } })).permissions).toEqual(['a:b', 'doc:read']);

  // Everyone becomes a writer only; the last 1,000 members and every grant of odd members go.
  const kept = members - 1000;
  const second = {
    organizations: first.organizations,
    roles: first.roles,
    memberships: first.memberships.slice(0, kept).map((m) => ({ ...m, roles: ['writer'] })),
    grants: first.grants.filter((g) => Number(g.userId.slice(5)) < kept && Number(g.userId.slice(5)) % 8 === 0),
  };
  const again = await runScript('scripts/import-policy.ts', [writeJson(second), '--replace'], env);
  expect(again.stderr).toBe('');
  expect(again.code).toBe(0);
  // Grants of removed members go with their membership (a cascade) and are not counted again.
  const keptMembersGrants = first.grants.filter((g) => Number(g.userId.slice(5)) < kept).length;
  expect(again.stdout).toContain(`removed 0 roles, 1000 memberships, ${keptMembersGrants - second.grants.length} grants`);
  expect(await db.prisma.membership.count({ where: batchOrgs })).toBe(kept);
  const roles = await db.prisma.membershipRole.findMany({ where: batchOrgs, select: { role: { select: { name: true } } } });
  expect(roles).toHaveLength(kept);
  expect(new Set(roles.map((r) => r.role.name))).toEqual(new Set(['writer']));
  expect(await db.prisma.grant.count({ where: batchOrgs })).toBe(second.grants.length);
}, 120_000);

describe('database failures are described, never passed on in the driver words', () => {
  test('a transaction past its time limit (a real expired Prisma transaction) is IMPORT_TIMEOUT', async () => {
    let raw: unknown;
    await db.prisma
      .$transaction(async (tx) => {
        await tx.$executeRawUnsafe('SELECT pg_sleep(0.5)');
        await tx.$executeRawUnsafe('SELECT 1');
      }, { timeout: 100 })
      .catch((error: unknown) => (raw = error));
    expect((raw as { code?: string }).code).toBe('P2028');
    const described = describeImportFailure(raw, 100) as ImportFailedError;
    expect(described).toBeInstanceOf(ImportFailedError);
    expect(described.code).toBe('IMPORT_TIMEOUT');
    expect(described.message).toContain('rolled back and nothing was written');
    expect(described.message).not.toMatch(/prisma|transaction api|interactive/i);
  });

  test('the database going away (its sessions terminated, connections refused) is IMPORT_DATABASE_UNAVAILABLE', async () => {
    const own = await openDatabase({ kind: 'postgres', url: testDb.url });
    try {
      await own.prisma.$executeRawUnsafe('SELECT 1');
      await takeDatabaseDown(testDb.name);
      const error = await importPolicy(own.prisma, parsePolicyFile({ organizations: [{ id: 'gone', name: 'Gone' }] })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImportFailedError);
      expect((error as ImportFailedError).code).toBe('IMPORT_DATABASE_UNAVAILABLE');
      expect((error as ImportFailedError).message).not.toMatch(/prisma|terminating|administrator|57P01/i);
    } finally {
      await bringDatabaseUp(testDb.name);
      await own.close().catch(() => undefined);
    }
  });
});
