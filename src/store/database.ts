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
  readonly adapterFactory: SqlMigrationAwareDriverAdapterFactory;
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
    return handle('postgres', new PrismaPg(pool), options, () => pool.end());
  }

  const release = lockDataDir(config.dataDir);
  try {
    // PGlite and its adapter load WebAssembly through ESM; keep them off the path of
    // deployments that use a PostgreSQL server.
    const { PGlite } = await import('@electric-sql/pglite');
    const { PrismaPGlite } = await import('pglite-prisma-adapter');
    const pglite = await PGlite.create(path.resolve(config.dataDir, 'pgdata'));
    const adapterFactory = new PrismaPGlite(pglite) as unknown as SqlMigrationAwareDriverAdapterFactory;
    return handle('embedded', adapterFactory, options, async () => {
      await pglite.close();
      release();
    });
  } catch (error) {
    release();
    throw error;
  }
}

/** The Prisma client over `adapterFactory`; closing disconnects it, then closes the driver. */
function handle(
  kind: Database['kind'],
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  options: OpenDatabaseOptions,
  closeDriver: () => Promise<void>,
): Database {
  const prisma = createClient(adapterFactory, options);
  return {
    kind,
    prisma,
    adapterFactory,
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
