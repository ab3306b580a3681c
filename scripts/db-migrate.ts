// `npm run db:migrate`: applies prisma/migrations to the configured database
// (DATABASE_URL, or the embedded one in AUTHZ_DATA_DIR), as `prisma migrate deploy` would.
// Reads only those two variables.
import { openConfiguredDatabase } from '../src/composition/database';
import { ConfigError, loadSections } from '../src/config/config';
import { SCRIPT_PARTS } from '../src/config/script-parts';

async function main(): Promise<void> {
  const { database, applied } = await openConfiguredDatabase(loadSections(SCRIPT_PARTS['db:migrate']).database);
  try {
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database schema up to date: nothing to apply');
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `db:migrate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
