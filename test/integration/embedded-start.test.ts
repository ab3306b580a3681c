import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runScript, writeJson } from '../helpers/cli';
import { type GatewayProcess, spawnGateway } from '../helpers/gateway-process';
import { postGraphQL } from '../helpers/test-gateway';

/**
 * The README's promise: with no configuration at all, the gateway starts on the
 * embedded PGlite database with the demo data and an in-memory L2. Run as a real
 * process, as `npm start` runs it (from the sources).
 */
const dataDir = mkdtempSync(path.join(tmpdir(), 'authz-embedded-'));
const env: Record<string, string> = { AUTHZ_DATA_DIR: dataDir };
let gateway: GatewayProcess;
let url: string;

beforeAll(async () => {
  gateway = await spawnGateway(env);
  url = gateway.url;
}, 60_000);

afterAll(() => {
  if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
});

test('it starts on PGlite with migrations, demo data and in-memory L2, and says so', () => {
  const messages = gateway.logs.map((l) => String(l.msg));
  expect(messages).toContain('database migrations applied');
  expect(messages).toContain('empty database: loaded the demo organizations (acme, globex)');
  expect(messages.some((m) => m.includes('L2 is in this process only'))).toBe(true);
  expect(messages.some((m) => m.startsWith('authz-gateway ready: send GraphQL queries to http://'))).toBe(true);
});

test('it answers the README example queries on the demo data', async () => {
  const q = `query { bob: can(userId: "bob", orgId: "acme", permission: "document:edit") { allowed cacheStatus }
    carol: permissions(userId: "carol", orgId: "acme") { permissions roles }
    dave: can(userId: "dave", orgId: "acme", permission: "document:read") { allowed } }`;
  const first = await postGraphQL<Record<string, any>>(url, q);
  expect(first.data).toEqual({
    bob: { allowed: true, cacheStatus: 'MISS' },
    carol: { permissions: ['*:read', 'report:export'], roles: ['viewer'] },
    dave: { allowed: false },
  });
  const second = await postGraphQL<Record<string, any>>(url, q);
  expect(second.data!.bob.cacheStatus).toBe('L2_HIT');
});

test('an import into the embedded database while the gateway holds it fails at once with a clear message', async () => {
  const file = writeJson({ organizations: [{ id: 'x', name: 'X' }] });
  const res = await runScript('scripts/import-policy.ts', [file], { AUTHZ_DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '' });
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(/The embedded database in .* is in use by process \d+/);
  expect(res.stderr).toContain('set DATABASE_URL');
});

test('SIGTERM stops it cleanly (exit 0) and releases the database', async () => {
  expect(await gateway.stop()).toBe(0);
  expect(gateway.logs.map((l) => l.msg)).toContain('stopped');
  const res = await runScript('scripts/import-policy.ts', [writeJson({ organizations: [{ id: 'x', name: 'X' }] })], {
    AUTHZ_DATA_DIR: dataDir,
    DATABASE_URL: '',
    REDIS_URL: '',
  });
  expect(res.stderr).not.toContain('in use');
  expect(res.code).toBe(0);
});
