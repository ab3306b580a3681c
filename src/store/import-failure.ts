import { PolicyValidationError } from './policy-file';

/**
 * An import the database did not complete, in words a user can act on: the transaction
 * was rolled back, so nothing was written. The database driver's own text (SQL, host
 * names, Prisma's wording) stays in `cause`, never in the message.
 */
export class ImportFailedError extends Error {
  constructor(
    readonly code: 'IMPORT_TIMEOUT' | 'IMPORT_DATABASE_UNAVAILABLE' | 'IMPORT_FAILED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ImportFailedError';
  }
}

/**
 * What an error thrown by an import transaction means for the user. Validation errors
 * pass unchanged; Prisma's P2028 (the transaction ran past its timeout) is
 * IMPORT_TIMEOUT; connection failures (P1xxx, or a refused / reset socket) are
 * IMPORT_DATABASE_UNAVAILABLE; anything else is IMPORT_FAILED.
 */
export function describeImportFailure(error: unknown, timeoutMs: number): unknown {
  if (error instanceof PolicyValidationError || error instanceof ImportFailedError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const rolledBack = 'it was rolled back and nothing was written';
  if (code === 'P2028') {
    return new ImportFailedError('IMPORT_TIMEOUT', `the import did not finish within its time limit (${Math.round(timeoutMs / 1000)} s); ${rolledBack}. Split the file and import the parts.`, { cause: error });
  }
  if ((typeof code === 'string' && /^P1\d{3}$/.test(code)) || (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|57P0[1-3]|08\d{3})$/.test(code))) {
    return new ImportFailedError('IMPORT_DATABASE_UNAVAILABLE', `the database could not be reached or closed the connection during the import; ${rolledBack}. Try again once it is available.`, { cause: error });
  }
  return new ImportFailedError('IMPORT_FAILED', `the database refused the import${typeof code === 'string' ? ` (${code})` : ''}; ${rolledBack}.`, { cause: error });
}
