import { runScript, writeJson } from '../helpers/cli';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

/**
 * Each operator script reads only the settings it uses: in a production environment
 * that the gateway itself would refuse (no AUTH_MODE, a bad PORT), migrations, API keys
 * and imports still run; a bad value of a variable a script does read still stops it,
 * naming the variable.
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.drop());

/** Each script is a process of its own that starts through tsx: seconds each on a busy machine. */
const SCRIPTS_TIMEOUT_MS = 120_000;

/** Production without callers configured, and a PORT the gateway would refuse. */
const production = () => ({ NODE_ENV: 'production', AUTH_MODE: '', PORT: 'not a port', METRICS_TOKEN: '', DATABASE_URL: database.url });

test('db:migrate and apikey run under NODE_ENV=production without AUTH_MODE', async () => {
  const migrate = await runScript('scripts/db-migrate.ts', [], { ...production(), LOG_LEVEL: 'loud' });
  expect(migrate).toMatchObject({ code: 0, stdout: expect.stringContaining('database schema up to date') });
  const created = await runScript('scripts/apikey.ts', ['create', '--name', 'script-settings', '--scopes', 'authz:check'], production());
  expect(created.code).toBe(0);
  expect(created.stdout.trim()).toMatch(/^\S{20,}$/);
  const list = await runScript('scripts/apikey.ts', ['list'], production());
  expect(list).toMatchObject({ code: 0, stdout: expect.stringContaining('script-settings') });
}, SCRIPTS_TIMEOUT_MS);

test('import reads the old service\'s settings and ignores the gateway\'s', async () => {
  const file = writeJson({ organizations: [{ id: 'initech', name: 'Initech' }] });
  const result = await runScript('scripts/import-policy.ts', [file], { ...production(), LOG_LEVEL: 'WARNING', AUTHZ_CACHE_ENABLED: 'True', AUTHZ_L2_CACHE_ENABLED: 'False' });
  expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining('1 organizations') });
}, SCRIPTS_TIMEOUT_MS);

test('a bad value of a variable the script reads stops it, naming the variable', async () => {
  const migrate = await runScript('scripts/db-migrate.ts', [], { ...production(), DATABASE_URL: 'mysql://db/x' });
  expect(migrate.code).toBe(1);
  expect(migrate.stderr).toContain('DATABASE_URL: DATABASE_URL must be a URL starting with postgres:// or postgresql://');
  const file = writeJson({ organizations: [] });
  const imported = await runScript('scripts/import-policy.ts', [file], { ...production(), LOG_LEVEL: 'loud' });
  expect(imported.code).toBe(1);
  expect(imported.stderr).toContain('LOG_LEVEL: LOG_LEVEL must be one of');
  const preflight = await runScript('scripts/preflight.ts', ['--url', 'http://127.0.0.1:9'], { METRICS_TOKEN: 'short' });
  expect(preflight.code).toBe(1);
  expect(preflight.stderr).toContain('METRICS_TOKEN: METRICS_TOKEN must be at least 16 characters');
}, SCRIPTS_TIMEOUT_MS);
