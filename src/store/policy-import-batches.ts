import type { PrismaClient } from './generated/prisma/client';
import type { PolicyFile } from './policy-file';

/** The transaction client an import runs in. */
export type ImportTx = Pick<PrismaClient, '$executeRawUnsafe' | '$queryRawUnsafe'>;

/**
 * Rows per statement. Every statement passes its rows as a few array parameters
 * (`unnest($1::text[], ...)`), so a batch costs one round trip whatever its size and
 * never nears PostgreSQL's 65,535 bind parameters; 5,000 keeps each statement's
 * parameters to a few hundred KB.
 */
export const IMPORT_BATCH_ROWS = 5_000;

function* batches<T>(items: readonly T[], size = IMPORT_BATCH_ROWS): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

const key = (...parts: string[]) => JSON.stringify(parts);

/**
 * The file's rows written with multi-row statements, in the caller's transaction:
 * organizations and roles upserted, memberships inserted if absent with their roles set
 * to exactly the listed ones, grants upserted. The same result as one upsert per entry,
 * in a round trip per IMPORT_BATCH_ROWS rows instead of several per entry (a file of
 * 340,000 memberships is ~70 statements, not ~1,000,000). References must have been
 * checked (`findMissingReferences`).
 */
export async function writePolicyRows(tx: ImportTx, file: PolicyFile): Promise<void> {
  for (const rows of batches(file.organizations)) {
    await tx.$executeRawUnsafe(
      `INSERT INTO organizations (id, name) SELECT * FROM unnest($1::text[], $2::text[])
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, updated_at = now()`,
      rows.map((o) => o.id),
      rows.map((o) => o.name),
    );
  }
  const roleIds = new Map<string, number>();
  for (const rows of batches(file.roles)) {
    const saved = await tx.$queryRawUnsafe<Array<{ id: number; org_id: string; name: string }>>(
      `INSERT INTO roles (org_id, name, permissions)
       SELECT o, n, ARRAY(SELECT x FROM jsonb_array_elements_text(p::jsonb) WITH ORDINALITY AS e(x, i) ORDER BY i) FROM unnest($1::text[], $2::text[], $3::text[]) AS t(o, n, p)
       ON CONFLICT (org_id, name) DO UPDATE SET permissions = EXCLUDED.permissions, updated_at = now()
       RETURNING id, org_id, name`,
      rows.map((r) => r.orgId),
      rows.map((r) => r.name),
      // Deduplicated and sorted here (code-unit order, as everywhere else), not by the database's collation.
      rows.map((r) => JSON.stringify([...new Set(r.permissions)].sort())),
    );
    for (const role of saved) roleIds.set(key(role.org_id, role.name), Number(role.id));
  }
  await lookUpRoleIds(tx, file, roleIds);

  for (const rows of batches(file.memberships)) {
    const orgs = rows.map((m) => m.orgId);
    const users = rows.map((m) => m.userId);
    await tx.$executeRawUnsafe(
      `INSERT INTO memberships (org_id, user_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
      orgs,
      users,
    );
    const wanted = rows.flatMap((m) => m.roles.map((name) => ({ orgId: m.orgId, userId: m.userId, roleId: roleIds.get(key(m.orgId, name))! })));
    const wantedArgs = [wanted.map((w) => w.orgId), wanted.map((w) => w.userId), wanted.map((w) => w.roleId)];
    await tx.$executeRawUnsafe(
      `DELETE FROM membership_roles mr USING unnest($1::text[], $2::text[]) AS m(o, u)
       WHERE mr.org_id = m.o AND mr.user_id = m.u
         AND (mr.org_id, mr.user_id, mr.role_id) NOT IN (SELECT * FROM unnest($3::text[], $4::text[], $5::int[]))`,
      orgs,
      users,
      ...wantedArgs,
    );
    if (wanted.length > 0) {
      await tx.$executeRawUnsafe(
        `INSERT INTO membership_roles (org_id, user_id, role_id) SELECT * FROM unnest($1::text[], $2::text[], $3::int[]) ON CONFLICT DO NOTHING`,
        ...wantedArgs,
      );
    }
  }

  for (const rows of batches(file.grants)) {
    await tx.$executeRawUnsafe(
      `INSERT INTO grants (org_id, user_id, permission, expires_at)
       SELECT o, u, p, e::timestamptz FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(o, u, p, e)
       ON CONFLICT (org_id, user_id, permission) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
      rows.map((g) => g.orgId),
      rows.map((g) => g.userId),
      rows.map((g) => g.permission),
      rows.map((g) => (g.expiresAt ? new Date(g.expiresAt).toISOString() : null)),
    );
  }
}

/** IDs of the roles memberships name that the file does not define (already in the database). */
async function lookUpRoleIds(tx: ImportTx, file: PolicyFile, roleIds: Map<string, number>): Promise<void> {
  const missing = new Map<string, { orgId: string; name: string }>();
  for (const m of file.memberships) {
    for (const name of m.roles) {
      const k = key(m.orgId, name);
      if (!roleIds.has(k)) missing.set(k, { orgId: m.orgId, name });
    }
  }
  for (const rows of batches([...missing.values()])) {
    const found = await tx.$queryRawUnsafe<Array<{ id: number; org_id: string; name: string }>>(
      `SELECT r.id, r.org_id, r.name FROM roles r JOIN unnest($1::text[], $2::text[]) AS t(o, n) ON r.org_id = t.o AND r.name = t.n`,
      rows.map((r) => r.orgId),
      rows.map((r) => r.name),
    );
    for (const role of found) roleIds.set(key(role.org_id, role.name), Number(role.id));
  }
}

/**
 * With `replace`: removes from each listed organization the roles, memberships and
 * grants the file does not list, one statement per kind and organization.
 */
export async function removeUnlisted(tx: ImportTx, file: PolicyFile): Promise<{ roles: number; memberships: number; grants: number }> {
  const removed = { roles: 0, memberships: 0, grants: 0 };
  const byOrg = groupByOrg(file);
  for (const org of file.organizations) {
    const listed = byOrg.get(org.id) ?? { roles: [], userIds: [], grantUsers: [], grantPermissions: [] };
    removed.roles += await tx.$executeRawUnsafe(`DELETE FROM roles WHERE org_id = $1 AND name <> ALL($2::text[])`, org.id, listed.roles);
    removed.memberships += await tx.$executeRawUnsafe(`DELETE FROM memberships WHERE org_id = $1 AND user_id <> ALL($2::text[])`, org.id, listed.userIds);
    removed.grants += await tx.$executeRawUnsafe(
      `DELETE FROM grants WHERE org_id = $1 AND (user_id, permission) NOT IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
      org.id,
      listed.grantUsers,
      listed.grantPermissions,
    );
  }
  return removed;
}

function groupByOrg(file: PolicyFile) {
  const byOrg = new Map<string, { roles: string[]; userIds: string[]; grantUsers: string[]; grantPermissions: string[] }>();
  const of = (orgId: string) => {
    let entry = byOrg.get(orgId);
    if (!entry) byOrg.set(orgId, (entry = { roles: [], userIds: [], grantUsers: [], grantPermissions: [] }));
    return entry;
  };
  for (const r of file.roles) of(r.orgId).roles.push(r.name);
  for (const m of file.memberships) of(m.orgId).userIds.push(m.userId);
  for (const g of file.grants) {
    of(g.orgId).grantUsers.push(g.userId);
    of(g.orgId).grantPermissions.push(g.permission);
  }
  return byOrg;
}

/**
 * The references a file makes to the database that do not resolve, each with its JSON
 * path: an organization neither in the file nor in the database, a membership's role
 * that neither defines, a grant to someone who is not a member. With `replace`, what a
 * listed organization has in the database does not count (it will not survive).
 * Batched like the writes: one query per kind and batch, not one per entry.
 */
export async function findMissingReferences(tx: ImportTx, file: PolicyFile, replace: boolean): Promise<string[]> {
  const problems: string[] = [];
  const listedOrgs = new Set(file.organizations.map((o) => o.id));
  const referencedOrgs = [...new Set([...file.roles, ...file.memberships, ...file.grants].map((x) => x.orgId))].filter((id) => !listedOrgs.has(id));
  const existingOrgs = new Set<string>();
  for (const ids of batches(referencedOrgs)) {
    const rows = await tx.$queryRawUnsafe<Array<{ id: string }>>(`SELECT id FROM organizations WHERE id = ANY($1::text[])`, ids);
    for (const row of rows) existingOrgs.add(row.id);
  }
  const orgKnown = (id: string) => listedOrgs.has(id) || existingOrgs.has(id);
  const dbCounts = (orgId: string) => !(replace && listedOrgs.has(orgId));

  const fileRoles = new Set(file.roles.map((r) => key(r.orgId, r.name)));
  const fileMembers = new Set(file.memberships.map((m) => key(m.orgId, m.userId)));

  // What must be looked up in the database, then the problems in file order.
  const roleQueries = new Map<string, { orgId: string; name: string }>();
  const memberQueries = new Map<string, { orgId: string; userId: string }>();
  for (const m of file.memberships) {
    if (!orgKnown(m.orgId) || !dbCounts(m.orgId)) continue;
    for (const name of m.roles) if (!fileRoles.has(key(m.orgId, name))) roleQueries.set(key(m.orgId, name), { orgId: m.orgId, name });
  }
  for (const g of file.grants) {
    if (!orgKnown(g.orgId) || !dbCounts(g.orgId) || fileMembers.has(key(g.orgId, g.userId))) continue;
    memberQueries.set(key(g.orgId, g.userId), { orgId: g.orgId, userId: g.userId });
  }
  const dbRoles = new Set<string>();
  for (const rows of batches([...roleQueries.values()])) {
    const found = await tx.$queryRawUnsafe<Array<{ org_id: string; name: string }>>(
      `SELECT r.org_id, r.name FROM roles r JOIN unnest($1::text[], $2::text[]) AS t(o, n) ON r.org_id = t.o AND r.name = t.n`,
      rows.map((r) => r.orgId),
      rows.map((r) => r.name),
    );
    for (const row of found) dbRoles.add(key(row.org_id, row.name));
  }
  const dbMembers = new Set<string>();
  for (const rows of batches([...memberQueries.values()])) {
    const found = await tx.$queryRawUnsafe<Array<{ org_id: string; user_id: string }>>(
      `SELECT m.org_id, m.user_id FROM memberships m JOIN unnest($1::text[], $2::text[]) AS t(o, u) ON m.org_id = t.o AND m.user_id = t.u`,
      rows.map((m) => m.orgId),
      rows.map((m) => m.userId),
    );
    for (const row of found) dbMembers.add(key(row.org_id, row.user_id));
  }

  for (const [i, role] of file.roles.entries()) {
    if (!orgKnown(role.orgId)) problems.push(`$.roles[${i}].orgId: organization "${role.orgId}" is neither in the file nor in the database`);
  }
  for (const [i, m] of file.memberships.entries()) {
    if (!orgKnown(m.orgId)) {
      problems.push(`$.memberships[${i}].orgId: organization "${m.orgId}" is neither in the file nor in the database`);
      continue;
    }
    for (const [j, name] of m.roles.entries()) {
      if (!fileRoles.has(key(m.orgId, name)) && !dbRoles.has(key(m.orgId, name))) problems.push(`$.memberships[${i}].roles[${j}]: organization "${m.orgId}" has no role "${name}"`);
    }
  }
  for (const [i, g] of file.grants.entries()) {
    if (!orgKnown(g.orgId)) {
      problems.push(`$.grants[${i}].orgId: organization "${g.orgId}" is neither in the file nor in the database`);
      continue;
    }
    if (!fileMembers.has(key(g.orgId, g.userId)) && !dbMembers.has(key(g.orgId, g.userId))) {
      problems.push(`$.grants[${i}]: "${g.userId}" is not a member of "${g.orgId}" (grants are given to members)`);
    }
  }
  return problems;
}
