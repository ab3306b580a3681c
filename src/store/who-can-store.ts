import { StoreUnavailableError } from '../authz/errors';
import type { PrismaClient } from './generated/prisma/client';

/** One member the page query found: the matching roles' names and matching grants' patterns, each sorted. */
export interface WhoCanRow {
  userId: string;
  roles: string[];
  grants: string[];
}

/**
 * One page of "members holding any of these patterns" in one SQL statement.
 *
 * Matching is set membership: `patterns` are the patterns that match the permission
 * (`patternsMatching`, the function the decision path uses), so SQL never interprets a
 * wildcard. A member qualifies through a role whose `permissions` overlap `patterns`,
 * or through a grant whose pattern is one of them and that has not expired at `$4`
 * (the caller's clock, as the decision path compares `expiresAt > now`).
 *
 * Keyset pagination by user ID (the database's collation): each source (a matching
 * role's assignments, a pattern's grants) is read in user ID order from the index
 * `membership_roles (org_id, role_id, user_id)` or `grants (org_id, permission, user_id)`,
 * at most `limit` rows each, so a page costs the same whether few or all members match.
 * Role assignments and grants belong to memberships (foreign keys with cascade), so
 * every user found is a member.
 */
const PAGE_SQL = `
WITH wanted AS (
  SELECT unnest($2::text[]) AS pattern
),
matching_roles AS (
  SELECT r.id, r.name FROM roles r WHERE r.org_id = $1 AND r.permissions && $2::text[]
),
candidates AS (
  SELECT c.user_id
    FROM matching_roles mr
    CROSS JOIN LATERAL (
      SELECT a.user_id FROM membership_roles a
       WHERE a.org_id = $1 AND a.role_id = mr.id AND a.user_id > $3
       ORDER BY a.user_id LIMIT $5) c
  UNION
  SELECT c.user_id
    FROM wanted w
    CROSS JOIN LATERAL (
      SELECT g.user_id FROM grants g
       WHERE g.org_id = $1 AND g.permission = w.pattern AND g.user_id > $3
         AND (g.expires_at IS NULL OR g.expires_at > $4::timestamptz)
       ORDER BY g.user_id LIMIT $5) c
),
page AS (
  SELECT user_id FROM candidates ORDER BY user_id LIMIT $5
)
SELECT
  p.user_id,
  ARRAY(SELECT r.name FROM membership_roles a JOIN matching_roles r ON r.id = a.role_id
         WHERE a.org_id = $1 AND a.user_id = p.user_id ORDER BY r.name) AS roles,
  ARRAY(SELECT g.permission FROM grants g
         WHERE g.org_id = $1 AND g.user_id = p.user_id AND g.permission = ANY($2::text[])
           AND (g.expires_at IS NULL OR g.expires_at > $4::timestamptz)
         ORDER BY g.permission) AS grants
FROM page p
ORDER BY p.user_id`;

export class WhoCanStore {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Up to `limit` members of `orgId` after `afterUserId` ('' for the first page: every
   * ID is non-empty) holding one of `patterns` at `now` (epoch ms), by user ID.
   * @throws StoreUnavailableError when PostgreSQL cannot answer.
   */
  async page(orgId: string, patterns: readonly string[], afterUserId: string, limit: number, now: number): Promise<WhoCanRow[]> {
    let rows: Array<{ user_id: string; roles: string[]; grants: string[] }>;
    try {
      rows = await this.prisma.$queryRawUnsafe(PAGE_SQL, orgId, [...patterns], afterUserId, new Date(now).toISOString(), limit);
    } catch (error) {
      throw new StoreUnavailableError('the permission store could not be read', { cause: error });
    }
    return rows.map((r) => ({ userId: r.user_id, roles: r.roles, grants: r.grants }));
  }
}
