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
 * IMPORT_TIMEOUT; a lost or refused connection (Prisma's P1xxx, SQLSTATE class 08,
 * 57P01-57P03, 53300, a FATAL error, or the driver adapter saying so) is
 * IMPORT_DATABASE_UNAVAILABLE;
 * anything else is IMPORT_FAILED with the SQLSTATE or Prisma code, never the text.
 */
export function describeImportFailure(error: unknown, timeoutMs: number): unknown {
  if (error instanceof PolicyValidationError || error instanceof ImportFailedError) return error;
  const prismaCode = (error as { code?: unknown } | null)?.code;
  const state = sqlState(error);
  const rolledBack = 'it was rolled back and nothing was written';
  if (prismaCode === 'P2028') {
    return new ImportFailedError('IMPORT_TIMEOUT', `the import did not finish within its time limit (${Math.round(timeoutMs / 1000)} s); ${rolledBack}. Split the file and import the parts.`, { cause: error });
  }
  const lost =
    (typeof prismaCode === 'string' && /^(P1\d{3}|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND)$/.test(prismaCode)) ||
    (state !== null && /^(08...|57P0[1-3]|53300)$/.test(state)) ||
    // A FATAL (or PANIC) error from PostgreSQL ends the session: the connection is gone.
    /"kind":"(DatabaseNotReachable|ConnectionClosed|SocketTimeout|TooManyConnections|DatabaseDoesNotExist)"|"severity":"(FATAL|PANIC)"/.test(metaText(error));
  if (lost) {
    return new ImportFailedError('IMPORT_DATABASE_UNAVAILABLE', `the database could not be reached or closed the connection during the import; ${rolledBack}. Try again once it is available.`, { cause: error });
  }
  const shown = state ?? (typeof prismaCode === 'string' ? prismaCode : null);
  return new ImportFailedError('IMPORT_FAILED', `the database refused the import${shown ? ` (${shown})` : ''}; ${rolledBack}.`, { cause: error });
}

function metaText(error: unknown): string {
  try {
    return JSON.stringify((error as { meta?: unknown } | null)?.meta ?? null) ?? '';
  } catch {
    return '';
  }
}

/** The PostgreSQL SQLSTATE a Prisma error carries (in its driver adapter details or message), or null. */
function sqlState(error: unknown): string | null {
  const fromMeta = /"originalCode":"([0-9A-Z]{5})"/.exec(metaText(error))?.[1];
  if (fromMeta) return fromMeta;
  const message = error instanceof Error ? error.message : '';
  return /Code: `([0-9A-Z]{5})`/.exec(message)?.[1] ?? null;
}
