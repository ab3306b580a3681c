import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';
import { databaseUrl, TEST_DATABASE_URL } from './services';

/**
 * Once per run: a run ID (so parallel and repeated runs never share a database or a
 * Redis key), and a template database with all migrations applied by the real
 * migrator (`npm run db:migrate`). Each test file then copies the template, which
 * takes a fraction of a second.
 */
export default async function globalSetup(): Promise<void> {
  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  process.env.AUTHZ_TEST_RUN_ID = id;
  const template = `authz_tpl_${id}`;
  const admin = new Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${template}"`);
  } finally {
    await admin.end();
  }
  const root = path.resolve(__dirname, '..', '..');
  execFileSync(path.join(root, 'node_modules', '.bin', 'tsx'), ['scripts/db-migrate.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl(template) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
