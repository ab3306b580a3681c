import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, runScript, TSX, writeJson } from '../helpers/cli';
import { postGraphQL } from '../helpers/test-gateway';

/**
 * The README's promise: with no configuration at all, the gateway starts on the
 * embedded PGlite database with the demo data and an in-memory L2. Run as a real
 * process, as `npm start` runs it.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), 'authz-embedded-'));
const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AUTHZ_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' };
let child: ChildProcess;
let url: string;
const logs: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  child = spawn(TSX, ['src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (typeof entry.url === 'string') resolve(entry.url.replace(/\/graphql$/, ''));
    });
  });
}, 60_000);

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

test('it starts on PGlite with migrations, demo data and in-memory L2, and says so', () => {
  const messages = logs.map((l) => String(l.msg));
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
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  const res = await runScript('scripts/import-policy.ts', [writeJson({ organizations: [{ id: 'x', name: 'X' }] })], {
    AUTHZ_DATA_DIR: dataDir,
    DATABASE_URL: '',
    REDIS_URL: '',
  });
  expect(res.stderr).not.toContain('in use');
  expect(res.code).toBe(0);
});
