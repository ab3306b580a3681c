/**
 * Domain errors. The decision path and the store throw these; one module at the
 * GraphQL edge (src/graphql/errors.ts) maps them to error codes. Anything else is an
 * internal error and is masked.
 */

/** The caller sent a value that can never be valid. `path` locates it (for example `requests[3].permission`). */
export class InvalidInputError extends Error {
  constructor(message: string, readonly path?: string) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'InvalidInputError';
  }
}

/** The store could not answer; never a reason to allow. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** A referenced organization, role, member or grant does not exist. */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** The change would duplicate something that must be unique (an organization ID, a role name, a membership). */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}
