// `npm run import -- <file.json> [--replace]`: loads a policy file into the configured
// database in one transaction, then invalidates the affected organizations in L2.
import { parseArgs } from 'node:util';
import { L2Invalidator } from '../src/cache/invalidation';
import { createCacheKeys } from '../src/cache/keys';
import { openL2Store } from '../src/cache/l2-store';
import { ConfigError, loadConfig } from '../src/config/config';
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

  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const database = await openDatabase(config.database);
  let summary;
  try {
    await database.withMigrationAdapter(applyMigrations);
    summary = await importPolicy(database.prisma, policy, { replace: values.replace });
  } finally {
    await database.close();
  }
  console.log(
    `imported ${file}: ${summary.organizations} organizations, ${summary.roles} roles, ${summary.memberships} memberships, ${summary.grants} grants` +
      (values.replace ? `; removed ${summary.removed.roles} roles, ${summary.removed.memberships} memberships, ${summary.removed.grants} grants` : ''),
  );

  if (!config.cache.l2Enabled || summary.affectedOrgIds.length === 0) return 0;
  if (config.redis.kind === 'memory') {
    console.warn('note: no Redis configured, so there is no shared L2 to invalidate; a running gateway with in-process L2 serves its cached sets until AUTHZ_CACHE_TTL runs out');
    return 0;
  }
  const l2 = await openL2Store(config.redis, { timeoutMs: config.cache.l2TimeoutMs, logger });
  try {
    await new L2Invalidator(l2.kv, createCacheKeys(config.cache.keyPrefix), { ttlSeconds: config.cache.ttlSeconds, timeoutMs: config.cache.l2TimeoutMs, logger }).invalidate({
      orgIds: summary.affectedOrgIds,
    });
    console.log(`invalidated cached permissions of ${summary.affectedOrgIds.length} organizations`);
    return 0;
  } catch (error) {
    console.error(`the import is committed, but L2 invalidation failed (${error instanceof Error ? error.message : String(error)}): cached sets of ${summary.affectedOrgIds.join(', ')} may be served until AUTHZ_CACHE_TTL runs out; run the import again once Redis is reachable`);
    return 1;
  } finally {
    await l2.close();
  }
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
