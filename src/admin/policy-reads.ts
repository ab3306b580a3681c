import { InvalidInputError, NotFoundError, StoreUnavailableError } from '../authz/errors';
import type { PolicyFacts } from '../authz/explain';
import type { PrismaClient } from '../store/generated/prisma/client';
import { type Db, type MemberView, memberView, type OrganizationView, type RoleView } from './views';

export interface Page<T> {
  items: T[];
  /** Pass as `after` for the next page; null on the last page. */
  endCursor: string | null;
  hasNextPage: boolean;
}

export interface AuditEventView {
  id: string;
  orgId: string;
  actor: string;
  action: string;
  target: unknown;
  before: unknown;
  after: unknown;
  revision: number;
  at: string;
}

const MAX_PAGE = 100;

/**
 * What the administration API and explain read, always from PostgreSQL (never from the
 * caches): these are the answers support engineers trust when a cache is in question.
 * A query that fails is a StoreUnavailableError (AUTHZ_UNAVAILABLE, HTTP 503, as for
 * decisions), never an internal error answered with 200.
 */
export class PolicyReads {
  constructor(private readonly prisma: PrismaClient) {}

  async organizations(): Promise<OrganizationView[]> {
    return read(() => this.prisma.organization.findMany({ orderBy: { id: 'asc' }, select: { id: true, name: true, revision: true } }));
  }

  async organization(id: string): Promise<OrganizationView | null> {
    return read(() => this.prisma.organization.findUnique({ where: { id }, select: { id: true, name: true, revision: true } }));
  }

  async roles(orgId: string): Promise<RoleView[]> {
    return read(() => this.prisma.role.findMany({ where: { orgId }, orderBy: { name: 'asc' }, select: { orgId: true, name: true, permissions: true } }));
  }

  /** A member's roles and grants, or null if the user is not a member. */
  async member(orgId: string, userId: string): Promise<MemberView | null> {
    try {
      return await memberView(this.prisma as unknown as Db, orgId, userId);
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw unavailable(error);
    }
  }

  async memberCount(orgId: string): Promise<number> {
    return read(() => this.prisma.membership.count({ where: { orgId } }));
  }

  /** Members by user ID (ascending), optionally those whose ID contains `search`. */
  async members(orgId: string, options: { search?: string | null; first?: number | null; after?: string | null }): Promise<Page<MemberView>> {
    const first = pageSize(options.first);
    // Prisma sends `contains` as `ILIKE '%' || value || '%'` without escaping the value:
    // escaped here, so a search is literal text (`%` and `_` match themselves).
    // The cursor's `gt` is a separate condition: inside the same filter, `mode: 'insensitive'`
    // would compare it lower-cased while the order is by the exact ID, and skip members.
    const rows = await read(() => this.prisma.membership.findMany({
      where: {
        orgId,
        AND: [
          options.search ? { userId: { contains: likeLiteral(options.search), mode: 'insensitive' as const } } : {},
          options.after ? { userId: { gt: decodeCursor(options.after) } } : {},
        ],
      },
      orderBy: { userId: 'asc' },
      take: first + 1,
      select: {
        userId: true,
        roles: { select: { role: { select: { name: true } } } },
        grants: { select: { permission: true, expiresAt: true }, orderBy: { permission: 'asc' } },
      },
    }));
    const items = rows.slice(0, first).map((m) => ({
      orgId,
      userId: m.userId,
      roles: m.roles.map((r) => r.role.name).sort(),
      grants: m.grants.map((g) => ({ permission: g.permission, expiresAt: g.expiresAt?.toISOString() ?? null })),
    }));
    return { items, hasNextPage: rows.length > first, endCursor: items.length ? encodeCursor(items[items.length - 1]!.userId) : null };
  }

  /** The organization's audit trail, newest first. */
  async auditLog(orgId: string, options: { first?: number | null; after?: string | null }): Promise<Page<AuditEventView>> {
    const first = pageSize(options.first);
    const after = options.after ? decodeCursor(options.after) : null;
    if (after !== null && !(/^\d{1,19}$/.test(after) && BigInt(after) <= 2n ** 63n - 1n)) throw new InvalidInputError('after is not a cursor from this audit log');
    const rows = await read(() => this.prisma.auditEvent.findMany({
      where: { orgId, ...(after !== null ? { id: { lt: BigInt(after) } } : {}) },
      orderBy: { id: 'desc' },
      take: first + 1,
    }));
    const items = rows.slice(0, first).map((e) => ({
      id: e.id.toString(),
      orgId: e.orgId,
      actor: e.actor,
      action: e.action,
      target: e.target,
      before: e.before,
      after: e.after,
      revision: e.revision,
      at: e.createdAt.toISOString(),
    }));
    return { items, hasNextPage: rows.length > first, endCursor: items.length ? encodeCursor(items[items.length - 1]!.id) : null };
  }

  /** The facts explain needs, including expired grants, in one round trip. */
  async facts(userId: string, orgId: string): Promise<PolicyFacts> {
    const rows = await read(() => this.factsQuery(userId, orgId));
    const row = rows[0]!;
    return {
      organizationExists: row.org,
      member: row.member,
      rolePatterns: parseJson(row.role_patterns) ?? [],
      grants: (parseJson(row.grants) ?? []).map((g) => ({ pattern: g.pattern, expiresAt: g.expires_at ? new Date(g.expires_at) : null })),
    };
  }

  private factsQuery(userId: string, orgId: string) {
    return this.prisma.$queryRawUnsafe<Array<{ org: boolean; member: boolean; role_patterns: Array<{ role: string; pattern: string }> | null; grants: Array<{ pattern: string; expires_at: string | null }> | null }>>(
      `SELECT
         EXISTS (SELECT 1 FROM organizations WHERE id = $2) AS org,
         EXISTS (SELECT 1 FROM memberships WHERE org_id = $2 AND user_id = $1) AS member,
         (SELECT json_agg(json_build_object('role', r.name, 'pattern', p) ORDER BY r.name, p)
            FROM membership_roles mr JOIN roles r ON r.org_id = mr.org_id AND r.id = mr.role_id, unnest(r.permissions) AS p
           WHERE mr.org_id = $2 AND mr.user_id = $1) AS role_patterns,
         (SELECT json_agg(json_build_object('pattern', g.permission, 'expires_at', g.expires_at) ORDER BY g.permission)
            FROM grants g WHERE g.org_id = $2 AND g.user_id = $1) AS grants`,
      userId,
      orgId,
    );
  }
}

/** Runs one read; any failure of it is the store being unavailable (domain errors pass). */
async function read<T>(query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    throw unavailable(error);
  }
}

function unavailable(error: unknown): Error {
  if (error instanceof StoreUnavailableError || error instanceof InvalidInputError || error instanceof NotFoundError) return error;
  return new StoreUnavailableError('the policy store could not be read', { cause: error });
}

function parseJson<T>(value: T | string | null): T | null {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

/** `text` as a LIKE pattern that matches only itself (PostgreSQL's default escape character is `\`). */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return 20;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw new InvalidInputError(`first must be between 1 and ${MAX_PAGE}`);
  return first;
}

function encodeCursor(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw new InvalidInputError('after is not a cursor returned by this API');
  return Buffer.from(cursor, 'base64url').toString('utf8');
}
