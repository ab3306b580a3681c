import { StoreUnavailableError } from '../authz/errors';
import type { PermissionSnapshot, Subject } from '../authz/types';
import type { PrismaClient } from './generated/prisma/client';
import type { LoadedSet, PermissionSetSource } from '../source/types';

interface Row {
  ord: number | bigint;
  revision: number | null;
  member: boolean;
  roles: string[] | null;
  role_patterns: string[] | null;
  grants: Array<{ p: string; e: string | null }> | string | null;
}

/**
 * The permission sets of any number of subjects in one SQL statement: the pairs go in
 * as two arrays, so 1 subject and 500 cost the same single round trip. Every lookup
 * uses a primary key or index (memberships PK, membership_roles PK, roles PK, grants
 * unique (org, user, permission)). Grants already expired at the database's clock ($3
 * when the store is given a clock) are left out; the decision path checks expiry again
 * at its own clock.
 */
const LOAD_SQL = `
WITH subject AS (
  SELECT s.user_id, s.org_id, s.ord
  FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS s(user_id, org_id, ord)
)
SELECT
  s.ord,
  o.revision,
  (m.user_id IS NOT NULL) AS member,
  (SELECT array_agg(r.name ORDER BY r.name)
     FROM membership_roles mr JOIN roles r ON r.org_id = mr.org_id AND r.id = mr.role_id
    WHERE mr.org_id = s.org_id AND mr.user_id = s.user_id) AS roles,
  (SELECT array_agg(DISTINCT p ORDER BY p)
     FROM membership_roles mr JOIN roles r ON r.org_id = mr.org_id AND r.id = mr.role_id,
          unnest(r.permissions) AS p
    WHERE mr.org_id = s.org_id AND mr.user_id = s.user_id) AS role_patterns,
  (SELECT json_agg(json_build_object('p', g.permission, 'e', g.expires_at) ORDER BY g.permission)
     FROM grants g
    WHERE g.org_id = s.org_id AND g.user_id = s.user_id
      AND (g.expires_at IS NULL OR g.expires_at > COALESCE($3::timestamptz, now()))) AS grants
FROM subject s
LEFT JOIN organizations o ON o.id = s.org_id
LEFT JOIN memberships m ON m.org_id = s.org_id AND m.user_id = s.user_id
ORDER BY s.ord`;

export class PostgresPermissionStore implements PermissionSetSource {
  /**
   * @param options.now a clock for expiry (epoch ms) instead of the database's: tools
   * that decide at another instant (`npm run policy:test`) give the decision service
   * and the store the same one. The gateway gives none.
   */
  constructor(private readonly prisma: PrismaClient, private readonly options: { now?: () => number } = {}) {}

  async load(requests: readonly Subject[]): Promise<Array<LoadedSet | Error>> {
    if (requests.length === 0) return [];
    let rows: Row[];
    try {
      rows = await this.prisma.$queryRawUnsafe<Row[]>(
        LOAD_SQL,
        requests.map((r) => r.userId),
        requests.map((r) => r.orgId),
        this.options.now ? new Date(this.options.now()).toISOString() : null,
      );
    } catch (error) {
      throw new StoreUnavailableError('the permission store could not be read', { cause: error });
    }
    const results: Array<LoadedSet | Error | undefined> = new Array(requests.length);
    for (const row of rows) {
      const index = Number(row.ord) - 1;
      if (index >= 0 && index < results.length) results[index] = { snapshot: toSnapshot(row), status: 'MISS', revision: row.revision ?? 0 };
    }
    // An error (with its stack trace) only for a subject without a row: building one per
    // subject up front and overwriting it cost a stack capture per loaded set.
    for (let i = 0; i < results.length; i++) results[i] ??= new StoreUnavailableError('the permission store returned no row for a subject');
    return results as Array<LoadedSet | Error>;
  }
}

function toSnapshot(row: Row): PermissionSnapshot {
  if (!row.member) return { member: false, roles: [], rolePatterns: [], grants: [] };
  const grants = typeof row.grants === 'string' ? (JSON.parse(row.grants) as Array<{ p: string; e: string | null }>) : row.grants;
  return {
    member: true,
    roles: row.roles ?? [],
    rolePatterns: row.role_patterns ?? [],
    grants: (grants ?? []).map((g) => ({ pattern: g.p, expiresAt: g.e === null ? null : Date.parse(g.e) })),
  };
}
