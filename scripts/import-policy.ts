// `npm run import -- <file.json> [--replace]`: loads a policy file into the configured
// database in one transaction, through the same change path as the admin mutations:
// the affected organizations are invalidated in L2 before the commit (the import fails,
// writing nothing, when Redis cannot take it), and running gateways learn of the import
// from the change log. Reads the database's, Redis's and the caches' variables and
// LOG_LEVEL, nothing else.
import { parseArgs } from 'node:util';
import { L2ChangeGate } from '../src/cache/change-gate';
import { L2Invalidator, L2UnavailableError } from '../src/cache/invalidation';
import { createCacheKeys } from '../src/cache/keys';
import { openL2Store } from '../src/cache/l2-store';
import { ConfigError, loadSections } from '../src/config/config';
import { SCRIPT_PARTS } from '../src/config/script-parts';
import { createLogger } from '../src/observability/logger';
import { openDatabase } from '../src/store/database';
import { applyMigrations } from '../src/store/migrations/migrations';
import { ImportFailedError } from '../src/store/import-failure';
import { PolicyValidationError } from '../src/store/policy-file';
import { PolicyFileError, readPolicyFile } from '../src/store/policy-file-read';
import { importPolicy } from '../src/store/policy-import';

const USAGE = 'usage: npm run import -- <policy.json> [--replace]';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ options: { replace: { type: 'boolean', default: false }, help: { type: 'boolean' } }, allowPositionals: true });
  if (values.help || positionals.length !== 1) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const file = positionals[0]!;
  const policy = await readPolicyFile(file);

  const config = loadSections(SCRIPT_PARTS.import);
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  // Only a shared L2 needs fencing: an in-process L2 lives in the gateways, which learn
  // of the import from the change log.
  const l2 = config.cache.l2Enabled && config.redis.kind !== 'memory' ? await openL2Store(config.redis, { timeoutMs: config.cache.l2TimeoutMs, logger }) : null;
  const database = await openDatabase(config.database);
  let summary;
  try {
    await database.withMigrationAdapter(applyMigrations);
    const invalidator = l2 && new L2Invalidator(l2.versionWrites, createCacheKeys(config.cache.keyPrefix), { ttlSeconds: config.cache.ttlSeconds, timeoutMs: config.cache.l2TimeoutMs, logger });
    summary = await importPolicy(database.prisma, policy, { replace: values.replace, gate: new L2ChangeGate(invalidator, null, logger) });
  } catch (error) {
    if (!(error instanceof L2UnavailableError)) throw error;
    console.error(`nothing was imported: ${error.message} (Redis did not answer in time); run the import again once Redis is reachable`);
    return 1;
  } finally {
    await database.close();
    await l2?.close();
  }
  console.log(
    `imported ${file}: ${summary.organizations} organizations, ${summary.roles} roles, ${summary.memberships} memberships, ${summary.grants} grants` +
      (values.replace ? `; removed ${summary.removed.roles} roles, ${summary.removed.memberships} memberships, ${summary.removed.grants} grants` : ''),
  );
  if (l2 && summary.affectedOrgIds.length > 0) console.log(`invalidated cached permissions of ${summary.affectedOrgIds.length} organizations`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof PolicyValidationError || error instanceof ConfigError) console.error(error.message);
    else if (error instanceof PolicyFileError || error instanceof ImportFailedError) console.error(`import failed [${error.code}]: ${error.message}`);
    else console.error(`import failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
