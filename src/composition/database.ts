import type { DatabaseConfig } from '../config/config';
import { type Database, openDatabase, type OpenDatabaseOptions } from '../store/database';
import { applyMigrations } from '../store/migrations/migrations';

/**
 * The configured database (PostgreSQL or embedded), opened and, with `migrate` (the
 * default), brought up to prisma/migrations first: the gateway and every operator script
 * open it here. Returns the migrations applied; a failure closes what was opened.
 */
export async function openConfiguredDatabase(
  config: DatabaseConfig,
  options: OpenDatabaseOptions & { migrate?: boolean } = {},
): Promise<{ database: Database; applied: string[] }> {
  const database = await openDatabase(config, { onQuery: options.onQuery });
  if (options.migrate === false) return { database, applied: [] };
  try {
    return { database, applied: await database.withMigrationAdapter(applyMigrations) };
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
}
