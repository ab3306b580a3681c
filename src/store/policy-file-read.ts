import { open } from 'node:fs/promises';
import { type PolicyFile, parsePolicyFile, parsePolicyJson } from './policy-file';

/**
 * The largest policy file `npm run import` reads: 100 MB (~730,000 memberships with a
 * grant per five members, measured to import in one transaction; see docs/errors.md,
 * "Imports"). A larger file is refused before it is read, rather than failing after
 * minutes with the database's words: split it by organization into several imports.
 */
export const MAX_POLICY_FILE_BYTES = 100 * 1024 * 1024;

/** A policy file that cannot be read, or is over the size limit: nothing was imported. */
export class PolicyFileError extends Error {
  constructor(
    readonly code: 'POLICY_FILE_UNREADABLE' | 'POLICY_FILE_TOO_LARGE',
    message: string,
  ) {
    super(message);
    this.name = 'PolicyFileError';
  }
}

/**
 * Reads and checks a policy file: a leading byte-order mark is dropped, text that is not
 * JSON is POLICY_FILE_UNREADABLE, and every problem of the contents is listed.
 * @throws PolicyFileError (unreadable, not JSON, too large), PolicyValidationError (contents).
 */
export async function readPolicyFile(path: string, maxBytes = MAX_POLICY_FILE_BYTES): Promise<PolicyFile> {
  let text: string;
  try {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      if (size > maxBytes) {
        throw new PolicyFileError(
          'POLICY_FILE_TOO_LARGE',
          `${path} is ${mb(size)}, over the import limit of ${mb(maxBytes)}; nothing was imported. Split it into several files (for example one per group of organizations) and import each.`,
        );
      }
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof PolicyFileError) throw error;
    throw new PolicyFileError('POLICY_FILE_UNREADABLE', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error))}`);
  }
  let json: unknown;
  try {
    json = parsePolicyJson(text);
  } catch (error) {
    throw new PolicyFileError('POLICY_FILE_UNREADABLE', `cannot read ${path}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return parsePolicyFile(json);
}

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
