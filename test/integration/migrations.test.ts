import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { Client, Pool } from 'pg';
import { applyMigrations, schemaDiffSql } from '../../src/store/migrations/migrations';
import { ROOT, TSX } from '../helpers/cli';
import { databaseUrl, runId, TEST_DATABASE_URL } from '../helpers/services';

/**
 * The migrations in prisma/migrations must build exactly what schema.prisma describes:
 * one empty database gets the migrations, another gets the SQL Prisma's engine derives
 * from schema.prisma, and their schema dumps must be identical.
 */
const names = [`authz_t_${runId()}_m_${randomBytes(3).toString('hex')}`, `authz_t_${runId()}_s_${randomBytes(3).toString('hex')}`];
const pools: Pool[] = [];

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function factory(name: string): PrismaPg {
  const pool = new Pool({ connectionString: databaseUrl(name) });
  // An idle connection can still be closing when afterAll drops the database WITH
  // (FORCE); PostgreSQL then terminates it (57P01), which the pool re-emits as 'error'.
  // Unhandled, that failed the test after it passed (seen once in CI).
  pool.on('error', () => undefined);
  pools.push(pool);
  return new PrismaPg(pool);
}

/** The schema as a sorted list of lines: column order may differ, meaning may not. */
function schemaDump(name: string): string[] {
  const dump = execFileSync('pg_dump', ['--schema-only', '--no-owner', '--no-privileges', '--exclude-table=_prisma_migrations', databaseUrl(name)], {
    encoding: 'utf8',
  });
  return dump
    .split('\n')
    .filter((line) => !line.startsWith('--') && !line.startsWith('SET ') && !line.startsWith('SELECT pg_catalog') && !line.startsWith('\\'))
    .map((line) => line.trim().replace(/,$/, ''))
    .filter((line) => line !== '')
    .sort();
}

beforeAll(async () => {
  for (const name of names) await admin(`CREATE DATABASE "${name}"`);
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  for (const name of names) await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
});

test('prisma/migrations and schema.prisma describe the same database', async () => {
  const [migrated, derived] = names as [string, string];
  const applied = await applyMigrations(factory(migrated));
  expect(applied.length).toBeGreaterThan(1);
  await Promise.all(pools.splice(0).map((p) => p.end())); // releases the engine's advisory lock
  expect(await applyMigrations(factory(migrated))).toEqual([]);

  const sql = await schemaDiffSql(factory(derived), null);
  const client = new Client({ connectionString: databaseUrl(derived) });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
  const a = schemaDump(migrated);
  expect(a).toContain('CREATE TABLE public.memberships (');
  expect(a).toEqual(schemaDump(derived));
});

/** In a process of its own (no other test's timers): applies the migrations, closes the pool, counts the timers left. */
const MIGRATE_AND_COUNT_TIMERS = `
const { Pool } = require('pg');
const { PrismaPg } = require('@prisma/adapter-pg');
const { applyMigrations } = require('./src/store/migrations/migrations');
(async () => {
  const pool = new Pool({ connectionString: process.env.MIGRATE_URL, max: 1 });
  const applied = await applyMigrations(new PrismaPg(pool));
  await pool.end();
  console.log(JSON.stringify({ applied, timers: process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length }));
})();`;

test('a closed engine leaves no timer running: a migration script exits as soon as it is done', async () => {
  const [migrated] = names as [string, string];
  // Whether or not anything is left to apply, the engine takes its lock against a 10 s timeout it never clears.
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(TSX, ['-e', MIGRATE_AND_COUNT_TIMERS], { cwd: ROOT, env: { ...process.env, MIGRATE_URL: databaseUrl(migrated) }, timeout: 60_000 }, (error, out) => (error ? reject(error) : resolve(out))),
  );
  expect(JSON.parse(stdout)).toMatchObject({ applied: expect.any(Array), timers: 0 });
}, 90_000);
