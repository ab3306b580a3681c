import path from 'node:path';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import type { DatabaseConfig } from '../config/config';
import { lockDataDir } from './embedded-lock';
import { PrismaClient } from './generated/prisma/client';

/** An open database: the Prisma client, the adapter factory migrations use, and how to close both. */
export interface Database {
  readonly kind: 'postgres' | 'embedded';
  readonly prisma: PrismaClient;
  /**
   * Runs `work` with an adapter factory for Prisma's schema engine. On a server it has
   * connections of its own, closed afterwards: the engine takes a session-level advisory
   * lock that would otherwise stay held by a pooled connection and stall every other
   * instance's migrations for the lock's 10 s timeout.
   */
  withMigrationAdapter<T>(work: (factory: SqlMigrationAwareDriverAdapterFactory) => Promise<T>): Promise<T>;
  /** Round trip to the database; rejects when it is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Called with the SQL of every statement the Prisma client sends (tests count them). */
  onQuery?: (sql: string) => void;
}

/**
 * Opens PostgreSQL (`DATABASE_URL`) or the embedded PGlite database in
 * `AUTHZ_DATA_DIR`. Both run the same schema, migrations and SQL.
 */
export async function openDatabase(config: DatabaseConfig, options: OpenDatabaseOptions = {}): Promise<Database> {
  if (config.kind === 'postgres') {
    const pool = new Pool({ connectionString: config.url, max: 10, connectionTimeoutMillis: 5_000 });
    // A dropped idle connection must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    const migrate = async <T>(work: (factory: SqlMigrationAwareDriverAdapterFactory) => Promise<T>) => {
      const own = new Pool({ connectionString: config.url, max: 1, connectionTimeoutMillis: 5_000 });
      own.on('error', () => undefined);
      try {
        return await work(new PrismaPg(own));
      } finally {
        await own.end();
      }
    };
    return handle('postgres', new PrismaPg(pool), migrate, options, () => pool.end());
  }

  const release = lockDataDir(config.dataDir);
  try {
    // PGlite and its adapter load WebAssembly through ESM; keep them off the path of
    // deployments that use a PostgreSQL server.
    const { PGlite } = await import('@electric-sql/pglite');
    const { PrismaPGlite } = await import('pglite-prisma-adapter');
    const pglite = await PGlite.create(path.resolve(config.dataDir, 'pgdata'));
    const adapterFactory = new PrismaPGlite(pglite) as unknown as SqlMigrationAwareDriverAdapterFactory;
    // PGlite is one session in one process: nobody else can be waiting for its lock.
    return handle('embedded', adapterFactory, (work) => work(adapterFactory), options, async () => {
      await pglite.close();
      release();
    });
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * A throwaway embedded database in memory (PGlite without a data directory): nothing
 * touches the disk and everything is gone on `close`. For tools that need a policy
 * loaded without any database to set up (`npm run policy:test`); migrations are not
 * applied here (use `withMigrationAdapter(applyMigrations)`).
 */
export async function openMemoryDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  const pglite = await PGlite.create();
  const adapterFactory = new PrismaPGlite(pglite) as unknown as SqlMigrationAwareDriverAdapterFactory;
  return handle('embedded', adapterFactory, (work) => work(adapterFactory), options, () => pglite.close());
}

/** The Prisma client over `adapterFactory`; closing disconnects it, then closes the driver. */
function handle(
  kind: Database['kind'],
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  withMigrationAdapter: Database['withMigrationAdapter'],
  options: OpenDatabaseOptions,
  closeDriver: () => Promise<void>,
): Database {
  const prisma = createClient(adapterFactory, options);
  return {
    kind,
    prisma,
    withMigrationAdapter,
    ping: async () => void (await prisma.$queryRawUnsafe('SELECT 1')),
    close: async () => {
      await prisma.$disconnect();
      await closeDriver();
    },
  };
}

function createClient(adapter: SqlMigrationAwareDriverAdapterFactory, options: OpenDatabaseOptions): PrismaClient {
  if (!options.onQuery) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  const onQuery = options.onQuery;
  client.$on('query', (event) => onQuery(event.query));
  return client;
}
