import { InvalidInputError } from './errors';
import { describeIdProblem, MAX_ID_LENGTH } from './identifiers';
import { describePermissionProblem, patternsMatching } from './permission';

export const WHO_CAN_MAX_PAGE = 1000;
export const WHO_CAN_DEFAULT_PAGE = 100;

export interface WhoCanUser {
  readonly userId: string;
  /** Matching roles' names, then `grant:<pattern>` for each unexpired matching grant. */
  readonly via: string[];
}

export interface WhoCanPage {
  readonly users: WhoCanUser[];
  readonly pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface WhoCanRequest {
  readonly orgId: string;
  readonly permission: string;
  readonly first?: number | null;
  readonly after?: string | null;
}

/** What the service needs from the store: one page of members holding any of `patterns` (see WhoCanStore). */
export interface WhoCanSource {
  page(orgId: string, patterns: readonly string[], afterUserId: string, limit: number, now: number): Promise<Array<{ userId: string; roles: string[]; grants: string[] }>>;
}

/**
 * "Who may do `permission` in `orgId` now?", by the rules of `can`: a member qualifies
 * if a pattern from a role or an unexpired grant matches, where the matching patterns
 * are `patternsMatching(permission)` (the decision path's own function) and expiry is
 * judged at this service's clock, as the decision service judges it.
 *
 * Cursors are the base64url of the last user ID of a page: the next page starts after
 * that ID, so members that did not change are never repeated or skipped, whatever
 * changed in between. Always reads the store (never a cache).
 *
 * @throws InvalidInputError for a malformed orgId, permission, first or after.
 */
export class WhoCanService {
  constructor(private readonly source: WhoCanSource, private readonly now: () => number = Date.now) {}

  async page(request: WhoCanRequest): Promise<WhoCanPage> {
    const orgProblem = describeIdProblem(request.orgId);
    if (orgProblem) throw new InvalidInputError(`orgId ${orgProblem}`);
    const permissionProblem = describePermissionProblem(request.permission, false);
    if (permissionProblem) throw new InvalidInputError(`permission ${permissionProblem}`);
    const first = pageSize(request.first);
    const after = request.after === null || request.after === undefined ? '' : decodeCursor(request.after);
    const rows = await this.source.page(request.orgId, patternsMatching(request.permission), after, first + 1, this.now());
    const users = rows.slice(0, first).map((r) => ({ userId: r.userId, via: [...r.roles, ...r.grants.map((g) => `grant:${g}`)] }));
    const last = users[users.length - 1];
    return { users, pageInfo: { hasNextPage: rows.length > first, endCursor: last ? encodeCursor(last.userId) : null } };
  }

  /** Every page in turn (for tools: exports, policy tests); `first` per statement. */
  async *all(orgId: string, permission: string, first = WHO_CAN_MAX_PAGE): AsyncGenerator<WhoCanUser> {
    let after: string | null = null;
    do {
      const page: WhoCanPage = await this.page({ orgId, permission, first, after });
      yield* page.users;
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after !== null);
  }
}

function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return WHO_CAN_DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 1 || first > WHO_CAN_MAX_PAGE) {
    throw new InvalidInputError(`first must be between 1 and ${WHO_CAN_MAX_PAGE} (got ${first})`);
  }
  return first;
}

export function encodeCursor(userId: string): string {
  return Buffer.from(userId, 'utf8').toString('base64url');
}

/** The user ID a cursor names; anything that is not one of ours is refused. */
export function decodeCursor(cursor: string): string {
  const invalid = () => new InvalidInputError('after is not a cursor returned by whoCan');
  // A user ID is at most 256 code points of up to 4 UTF-8 bytes each.
  if (!/^[A-Za-z0-9_-]+$/.test(cursor) || cursor.length > Math.ceil((MAX_ID_LENGTH * 4 * 4) / 3)) throw invalid();
  const bytes = Buffer.from(cursor, 'base64url');
  let userId: string;
  try {
    userId = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw invalid();
  }
  if (encodeCursor(userId) !== cursor || describeIdProblem(userId)) throw invalid();
  return userId;
}
