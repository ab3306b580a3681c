// `npm run import -- <file.json> [--replace]`: loads a policy file into the configured
// database in one transaction, through the same change path as the admin mutations:
// the affected organizations are invalidated in L2 before the commit (the import fails,
// writing nothing, when Redis cannot take it), and running gateways learn of the import
// from the change log. Reads the database's, Redis's and the caches' variables and
// LOG_LEVEL, nothing else.
import { parseArgs } from 'node:util';
import { openConfiguredDatabase } from '../src/composition/database';
import { openScriptChangeGate } from '../src/composition/script-change-gate';
import { ConfigError, loadSections } from '../src/config/config';
import { SCRIPT_PARTS } from '../src/config/script-parts';
import { createLogger } from '../src/observability/logger';
import { L2UnavailableError } from '../src/revocation/invalidation';
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
  // The same change gate as the gateway's (src/composition/): only a shared L2 is fenced.
  const fencing = await openScriptChangeGate(config, logger);
  let summary;
  try {
    const { database } = await openConfiguredDatabase(config.database);
    try {
      summary = await importPolicy(database.prisma, policy, { replace: values.replace, gate: fencing.gate });
    } finally {
      await database.close();
    }
  } catch (error) {
    if (!(error instanceof L2UnavailableError)) throw error;
    console.error(`nothing was imported: ${error.message} (Redis did not answer in time); run the import again once Redis is reachable`);
    return 1;
  } finally {
    await fencing.close();
  }
  console.log(
    `imported ${file}: ${summary.organizations} organizations, ${summary.roles} roles, ${summary.memberships} memberships, ${summary.grants} grants` +
      (values.replace ? `; removed ${summary.removed.roles} roles, ${summary.removed.memberships} memberships, ${summary.removed.grants} grants` : ''),
  );
  if (fencing.fencesRedis && summary.affectedOrgIds.length > 0) console.log(`invalidated cached permissions of ${summary.affectedOrgIds.length} organizations`);
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
