import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { PrismaPg } from '@prisma/adapter-pg';
import type { MigrationList } from '@prisma/schema-engine-wasm' with { 'resolution-mode': 'import' };
import { Pool } from 'pg';
import { type Database, openDatabase } from '../../src/store/database';
import { applyMigrations, MIGRATIONS_DIR, readMigrationList } from '../../src/store/migrations/migrations';
import { withPgClient } from '../helpers/pg-client';
import { databaseUrl, runId } from '../helpers/services';

/**
 * The upgrade path: a database an older release migrated (every proper prefix of
 * prisma/migrations, the previous release's set among them) and then filled takes the
 * newer migrations through the pinned schema engine, keeps its data, reads through the
 * current Prisma client, and records the history as `prisma migrate deploy` would
 * (names, finished, SHA-256 checksums of the files).
 */
jest.setTimeout(120_000);

const created: string[] = [];
const open: Database[] = [];


/** Migrates on a connection of its own, closed afterwards (it holds Prisma's advisory lock), as the gateway does. */
async function migrate(name: string, migrations?: MigrationList): Promise<string[]> {
  const pool = new Pool({ connectionString: databaseUrl(name), max: 1 });
  pool.on('error', () => undefined);
  try {
    return await applyMigrations(new PrismaPg(pool), migrations);
  } finally {
    await pool.end();
  }
}

/** What an older release wrote: the tables and columns of the first migration, which every later one keeps. */
const OLDER_DATA = `
  INSERT INTO organizations (id, name) VALUES ('acme', 'Acme'), ('globex', 'Globex');
  INSERT INTO roles (org_id, name, permissions) VALUES ('acme', 'editor', ARRAY['document:*']), ('globex', 'reader', ARRAY['*:read']);
  INSERT INTO memberships (org_id, user_id) VALUES ('acme', 'bob'), ('globex', 'bob'), ('acme', 'carol');
  INSERT INTO membership_roles (org_id, user_id, role_id) SELECT org_id, 'bob', id FROM roles;
  INSERT INTO grants (org_id, user_id, permission, expires_at) VALUES ('acme', 'carol', 'report:export', '2030-01-01T00:00:00Z');
`;

const SNAPSHOT = `
  SELECT json_build_object(
    'organizations', (SELECT json_agg(json_build_object('id', id, 'name', name, 'created', created_at) ORDER BY id) FROM organizations),
    'roles', (SELECT json_agg(json_build_object('id', id, 'org', org_id, 'name', name, 'permissions', permissions) ORDER BY id) FROM roles),
    'memberships', (SELECT json_agg(json_build_object('org', org_id, 'user', user_id) ORDER BY org_id, user_id) FROM memberships),
    'membershipRoles', (SELECT json_agg(json_build_object('org', org_id, 'user', user_id, 'role', role_id) ORDER BY org_id, role_id) FROM membership_roles),
    'grants', (SELECT json_agg(json_build_object('org', org_id, 'user', user_id, 'permission', permission, 'expires', expires_at) ORDER BY id) FROM grants)
  ) AS data`;

const snapshot = (name: string) => withPgClient(async (client) => (await client.query<{ data: unknown }>(SNAPSHOT)).rows[0]!.data, databaseUrl(name));

afterAll(async () => {
  for (const db of open) await db.close();
  for (const name of created) await withPgClient((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
});

let all: MigrationList;
let names: string[];
beforeAll(async () => {
  all = await readMigrationList();
  names = all.migrationDirectories.map((d) => d.path);
});

// Read when the tests are collected: one case per older migration set.
const ALL_NAMES = readdirSync(MIGRATIONS_DIR, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();

test('there are older migration sets to upgrade from, read as the engine reads them', () => {
  expect(ALL_NAMES.length).toBeGreaterThan(1);
  expect(names).toEqual(ALL_NAMES);
});

test.each(ALL_NAMES.slice(0, -1).map((last, i) => [last, i + 1] as const))('a database migrated up to %s takes the newer migrations and keeps its data', async (_last, count) => {
  const name = `authz_t_${runId()}_up_${randomBytes(3).toString('hex')}`;
  await withPgClient((client) => client.query(`CREATE DATABASE "${name}"`));
  created.push(name);

  const older = { ...all, migrationDirectories: all.migrationDirectories.slice(0, count) };
  expect(await migrate(name, older)).toEqual(names.slice(0, count));
  await withPgClient((client) => client.query(OLDER_DATA), databaseUrl(name));
  const before = await snapshot(name);

  expect(await migrate(name)).toEqual(names.slice(count));
  expect(await snapshot(name)).toEqual(before);

  // The current client reads the upgraded database; columns added later have their defaults.
  const db = await openDatabase({ kind: 'postgres', url: databaseUrl(name) });
  open.push(db);
  const organizations = await db.prisma.organization.findMany({ orderBy: { id: 'asc' } });
  expect(organizations.map((o) => [o.id, o.revision])).toEqual([['acme', 1], ['globex', 1]]);
  expect(await db.prisma.membershipRole.count({ where: { userId: 'bob' } })).toBe(2);

  // The history as `prisma migrate deploy` records it, so the native CLI can take over.
  const history = await withPgClient(
    async (client) => (await client.query<{ migration_name: string; checksum: string; finished: boolean }>('SELECT migration_name, checksum, finished_at IS NOT NULL AS finished FROM _prisma_migrations ORDER BY migration_name')).rows,
    databaseUrl(name),
  );
  expect(history).toEqual(
    all.migrationDirectories.map((d) => ({
      migration_name: d.path,
      checksum: createHash('sha256').update(d.migrationFile.content.tag === 'ok' ? d.migrationFile.content.value : '').digest('hex'),
      finished: true,
    })),
  );
});
