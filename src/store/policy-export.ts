import type { PrismaClient } from './generated/prisma/client';

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export interface ExportSummary {
  organizations: number;
  roles: number;
  memberships: number;
  grants: number;
}

export interface ExportOptions {
  /** Only these organizations (and what belongs to them); default: all. */
  orgIds?: readonly string[];
  /** Rows per statement (memory is bounded by one page). Default 1,000. */
  pageSize?: number;
}

/** One table of the import format: how to read a page after a key, and how to write an entry. */
interface Section<Row> {
  name: keyof ExportSummary;
  sql: string;
  /** The keyset of a row (the columns of its ORDER BY). */
  key(row: Row): string[];
  /** The entry, with its keys in sorted order. */
  entry(row: Row): Record<string, unknown>;
  /** The keyset before every row: IDs are never empty. */
  start: string[];
}

// `$1` is the organization filter (null: all); the keyset columns follow, then the page size.
const ORG_FILTER = '($1::text[] IS NULL OR org_id = ANY($1::text[]))';

const ORGANIZATIONS: Section<{ id: string; name: string }> = {
  name: 'organizations',
  sql: `SELECT id, name FROM organizations WHERE ($1::text[] IS NULL OR id = ANY($1::text[])) AND id > $2 ORDER BY id LIMIT $3`,
  key: (r) => [r.id],
  entry: (r) => ({ id: r.id, name: r.name }),
  start: [''],
};

const ROLES: Section<{ org_id: string; name: string; permissions: string[] }> = {
  name: 'roles',
  sql: `SELECT org_id, name, permissions FROM roles WHERE ${ORG_FILTER} AND (org_id, name) > ($2, $3) ORDER BY org_id, name LIMIT $4`,
  key: (r) => [r.org_id, r.name],
  entry: (r) => ({ name: r.name, orgId: r.org_id, permissions: [...new Set(r.permissions)].sort() }),
  start: ['', ''],
};

const MEMBERSHIPS: Section<{ org_id: string; user_id: string; roles: string[] }> = {
  name: 'memberships',
  sql: `SELECT m.org_id, m.user_id,
          ARRAY(SELECT r.name FROM membership_roles mr JOIN roles r ON r.org_id = mr.org_id AND r.id = mr.role_id
                 WHERE mr.org_id = m.org_id AND mr.user_id = m.user_id) AS roles
        FROM memberships m WHERE ($1::text[] IS NULL OR m.org_id = ANY($1::text[])) AND (m.org_id, m.user_id) > ($2, $3)
        ORDER BY m.org_id, m.user_id LIMIT $4`,
  key: (r) => [r.org_id, r.user_id],
  entry: (r) => ({ orgId: r.org_id, roles: [...r.roles].sort(), userId: r.user_id }),
  start: ['', ''],
};

const GRANTS: Section<{ org_id: string; user_id: string; permission: string; expires_at: Date | string | null }> = {
  name: 'grants',
  sql: `SELECT org_id, user_id, permission, expires_at FROM grants
        WHERE ${ORG_FILTER} AND (org_id, user_id, permission) > ($2, $3, $4)
        ORDER BY org_id, user_id, permission LIMIT $5`,
  key: (r) => [r.org_id, r.user_id, r.permission],
  entry: (r) => ({ expiresAt: r.expires_at === null ? null : new Date(r.expires_at).toISOString(), orgId: r.org_id, permission: r.permission, userId: r.user_id }),
  start: ['', '', ''],
};

/**
 * Writes the policy in the import format (`npm run import` reads it back), deterministic
 * so that exports can be compared and kept in Git: top-level keys and entry keys
 * sorted, entries in key order (organization, then role name / user ID / permission,
 * in the database's collation), role and pattern lists sorted, one entry per line, a
 * final newline. Expired grants are included with their `expiresAt`. The same policy
 * always gives the same bytes.
 *
 * Streams: reads a page at a time by keyset (one statement per page) and awaits
 * `write` for each chunk, so memory stays bounded whatever the size of the store. All
 * pages are read in one REPEATABLE READ transaction: the export is one consistent
 * snapshot even while the policy changes.
 */
export async function exportPolicy(prisma: PrismaClient, write: (chunk: string) => Promise<void>, options: ExportOptions = {}): Promise<ExportSummary> {
  const orgIds = options.orgIds ? [...new Set(options.orgIds)] : null;
  const pageSize = options.pageSize ?? 1_000;
  return prisma.$transaction(
    async (tx) => {
      const summary: ExportSummary = { organizations: 0, roles: 0, memberships: 0, grants: 0 };
      await write('{\n');
      const sections = [GRANTS, MEMBERSHIPS, ORGANIZATIONS, ROLES] as Array<Section<any>>;
      for (const [i, section] of sections.entries()) {
        summary[section.name] = await writeSection(tx, section, orgIds, pageSize, write);
        await write(i < sections.length - 1 ? ',\n' : '\n');
      }
      await write('}\n');
      return summary;
    },
    { isolationLevel: 'RepeatableRead', maxWait: 10_000, timeout: 6 * 60 * 60 * 1_000 },
  );
}

async function writeSection<Row>(tx: Tx, section: Section<Row>, orgIds: string[] | null, pageSize: number, write: (chunk: string) => Promise<void>): Promise<number> {
  let key = section.start;
  let count = 0;
  await write(`  ${JSON.stringify(section.name)}: [`);
  for (;;) {
    const rows = await tx.$queryRawUnsafe<Row[]>(section.sql, orgIds, ...key, pageSize);
    if (rows.length === 0) break;
    const lines = rows.map((row) => `${count++ === 0 ? '\n' : ',\n'}    ${JSON.stringify(section.entry(row))}`);
    await write(lines.join(''));
    if (rows.length < pageSize) break;
    key = section.key(rows[rows.length - 1]!);
  }
  await write(count === 0 ? ']' : '\n  ]');
  return count;
}

/** The organizations of `orgIds` that do not exist. */
export async function missingOrganizations(prisma: PrismaClient, orgIds: readonly string[]): Promise<string[]> {
  const found = new Set((await prisma.organization.findMany({ where: { id: { in: [...orgIds] } }, select: { id: true } })).map((o) => o.id));
  return orgIds.filter((id) => !found.has(id));
}
