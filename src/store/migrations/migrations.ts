import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm' with { 'resolution-mode': 'import' };
import { openSchemaEngine } from './schema-engine';

/** Where the project keeps Prisma's schema and migrations, whether run from src/ or dist/. */
export const PRISMA_DIR = path.resolve(__dirname, '..', '..', '..', ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []), 'prisma');
export const MIGRATIONS_DIR = path.join(PRISMA_DIR, 'migrations');
export const SCHEMA_FILE = path.join(PRISMA_DIR, 'schema.prisma');

const NO_FILTER = { externalTables: [], externalEnums: [] };

/** Reads `prisma/migrations` in the layout `prisma migrate` writes and reads. */
export async function readMigrationList(dir = MIGRATIONS_DIR): Promise<MigrationList> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const lockPath = path.join(dir, 'migration_lock.toml');
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: await readFile(lockPath, 'utf8').catch(() => null) },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      names.map(async (name) => ({
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: await readFile(path.join(dir, name, 'migration.sql'), 'utf8').then(
            (value) => ({ tag: 'ok' as const, value }),
            (error: Error) => ({ tag: 'error' as const, value: error.message }),
          ),
        },
      })),
    ),
  };
}

async function readSchemaFiles() {
  return [{ path: SCHEMA_FILE, content: await readFile(SCHEMA_FILE, 'utf8') }];
}

/**
 * Applies every migration in `prisma/migrations` (or `migrations`) that the database has
 * not recorded yet, as `prisma migrate deploy` would; a second call applies nothing.
 * @returns the names of the migrations applied by this call.
 */
export async function applyMigrations(adapterFactory: SqlMigrationAwareDriverAdapterFactory, migrations?: MigrationList): Promise<string[]> {
  const migrationsList = migrations ?? (await readMigrationList());
  return withEngine(adapterFactory, async (engine) => {
    const result = await engine.applyMigrations({ migrationsList, filters: NO_FILTER });
    return result.appliedMigrationNames;
  });
}

/**
 * The SQL that takes a database from the schema `from` (a Prisma schema text, or
 * nothing) to `schema.prisma`. Used to write a new migration (`npm run db:migration`)
 * and, in the test suite, to check that the migrations build exactly `schema.prisma`.
 */
export async function schemaDiffSql(adapterFactory: SqlMigrationAwareDriverAdapterFactory, from: string | null): Promise<string> {
  return withEngine(adapterFactory, async (engine) => {
    const result = await engine.diff({
      from: from === null ? { tag: 'empty' } : { tag: 'schemaDatamodel', files: [{ path: SCHEMA_FILE, content: from }] },
      to: { tag: 'schemaDatamodel', files: await readSchemaFiles() },
      script: true,
      exitCode: null,
      filters: NO_FILTER,
    });
    return result.stdout ?? '';
  });
}

/**
 * Runs `work` with an engine whose connections are all closed afterwards: the engine
 * holds Prisma's migration advisory lock on its connection, and a connection left open
 * would make the next migrator wait for the lock's 10 s timeout.
 */
async function withEngine<T>(factory: SqlMigrationAwareDriverAdapterFactory, work: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const opened: Array<{ dispose(): Promise<void> }> = [];
  const tracking: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => remember(await factory.connect()),
    connectToShadowDb: async () => remember(await factory.connectToShadowDb()),
  };
  function remember<A extends { dispose(): Promise<void> }>(adapter: A): A {
    opened.push(adapter);
    return adapter;
  }
  const session = await openSchemaEngine(tracking, await readSchemaFiles());
  try {
    return await work(session.engine);
  } finally {
    session.close();
    await Promise.allSettled(opened.map((adapter) => adapter.dispose()));
  }
}
