// `npm run apikey -- create --name <name> --scopes <scope,...>`: creates an API key and
// prints its secret once (only its SHA-256 is stored). `list` shows every key without
// secrets; `revoke <id|name>` revokes one (the gateway refuses it from its next request).
// Reads only the database's variables (DATABASE_URL, AUTHZ_DATA_DIR).
import { parseArgs } from 'node:util';
import { ApiKeyStore } from '../src/auth/api-key-store';
import { SCOPES } from '../src/auth/types';
import { openConfiguredDatabase } from '../src/composition/database';
import { ConfigError, loadSections } from '../src/config/config';
import { SCRIPT_PARTS } from '../src/config/script-parts';

const USAGE = `usage:
  npm run apikey -- create --name <name> --scopes <${SCOPES.join('|')},...>
  npm run apikey -- list
  npm run apikey -- revoke <id|name>`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { name: { type: 'string' }, scopes: { type: 'string' }, help: { type: 'boolean' } },
    allowPositionals: true,
  });
  const [command, target] = positionals;
  if (values.help || !command || !['create', 'list', 'revoke'].includes(command) || (command === 'revoke' && !target)) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  if (command === 'create' && (!values.name || !values.scopes)) {
    console.error(USAGE);
    return 2;
  }
  const { database } = await openConfiguredDatabase(loadSections(SCRIPT_PARTS.apikey).database);
  try {
    const keys = new ApiKeyStore(database.prisma);
    if (command === 'create') {
      const { record, secret } = await keys.create(values.name!, values.scopes!.split(',').map((s) => s.trim()).filter(Boolean));
      // The secret alone on stdout, so `$(npm run -s apikey -- create ...)` captures it.
      console.error(`created API key ${record.id} (${record.name}) with scopes ${record.scopes.join(',')}; the secret is shown only now:`);
      console.log(secret);
    } else if (command === 'list') {
      for (const k of await keys.list()) {
        const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active';
        console.log(`${k.id}\t${k.name}\t${k.scopes.join(',')}\t${state}\tcreated ${k.createdAt.toISOString()}\tlast used ${k.lastUsedAt?.toISOString() ?? 'never'}`);
      }
    } else {
      const revoked = await keys.revoke(target!);
      if (!revoked) {
        console.error(`no API key with ID or name ${target}`);
        return 1;
      }
      console.log(`revoked ${revoked.id} (${revoked.name}) at ${revoked.revokedAt!.toISOString()}`);
    }
    return 0;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : `apikey: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
