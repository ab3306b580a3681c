// `npm run export -- [--org <id>]... [--out <file>]`: writes the policy of the configured
// database in the import format (to stdout, or to <file>), deterministic and streamed.
// `npm run import -- <file>` reads it back. Exit 0: written, or stdout closed by its
// reader (`npm run export | head`: the export stops there, quietly); 1: the database
// failed; 2: invalid arguments (nothing written).
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { describeIdProblem } from '../src/authz/identifiers';
import { openConfiguredDatabase } from '../src/composition/database';
import { ConfigError, loadConfig } from '../src/config/config';
import { exportPolicy, missingOrganizations } from '../src/store/policy-export';

const USAGE = 'usage: npm run export -- [--org <id>]... [--out <file>]';

class UsageError extends Error {}

/** Set when the reader of stdout went away (EPIPE): the export stops, without a word. */
let stdoutClosed = false;
const isClosedPipe = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code === 'EPIPE';

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ options: { org: { type: 'string', multiple: true }, out: { type: 'string' }, help: { type: 'boolean' } }, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const orgIds = values.org ? [...new Set(values.org)] : undefined;
  const problems = (orgIds ?? []).flatMap((id) => {
    const problem = describeIdProblem(id);
    return problem ? [`--org "${id}": ${problem}`] : [];
  });
  if (values.out === '') problems.push('--out needs a file name');
  if (problems.length > 0) throw new UsageError(problems.join('\n'));

  const config = loadConfig();
  // Read only: the export never migrates the database it reads.
  const { database } = await openConfiguredDatabase(config.database, { migrate: false });
  try {
    if (orgIds) {
      const missing = await missingOrganizations(database.prisma, orgIds);
      if (missing.length > 0) throw new UsageError(`no such organization: ${missing.map((id) => JSON.stringify(id)).join(', ')}`);
    }
    // To a file: written beside it, renamed when complete, so a failed export never
    // leaves a truncated policy where a complete one is expected.
    const temporary = values.out ? `${values.out}.${process.pid}.tmp` : null;
    const out: Writable = temporary ? createWriteStream(temporary, { flags: 'wx' }) : process.stdout;
    // Without a listener of its own, an EPIPE that arrives between two writes would crash
    // the process with a stack trace.
    if (!temporary) process.stdout.on('error', (error) => void (stdoutClosed ||= isClosedPipe(error)));
    try {
      const summary = await exportPolicy(database.prisma, (chunk) => writeChunk(out, chunk), { orgIds });
      if (temporary) {
        await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
        await rename(temporary, values.out!);
      }
      if (stdoutClosed) return 0;
      console.error(`exported ${summary.organizations} organizations, ${summary.roles} roles, ${summary.memberships} memberships, ${summary.grants} grants${values.out ? ` to ${values.out}` : ''}`);
    } catch (error) {
      if (temporary) {
        out.destroy();
        await rm(temporary, { force: true });
      }
      throw error;
    }
  } finally {
    await database.close();
  }
  return 0;
}

/** Resolves when the chunk is handed over, waiting for `drain` when the stream is full. */
function writeChunk(out: Writable, chunk: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    out.once('error', onError);
    const done = () => {
      out.off('error', onError);
      resolve();
    };
    if (out.write(chunk)) done();
    else out.once('drain', done);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (stdoutClosed || isClosedPipe(error)) process.exit(0);
    if (error instanceof UsageError) {
      console.error(`${error.message}\n${USAGE}`);
      process.exit(2);
    }
    if (error instanceof ConfigError) console.error(error.message);
    else console.error(`export failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
