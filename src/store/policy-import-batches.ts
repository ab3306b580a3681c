import type { PrismaClient } from './generated/prisma/client';
import type { PolicyFile } from './policy-file';

/** The transaction client an import runs in. */
export type ImportTx = Pick<PrismaClient, '$executeRawUnsafe' | '$queryRawUnsafe'>;

/**
 * Rows per statement. Every statement passes its rows as one JSON text parameter that
 * PostgreSQL expands (`json_to_recordset`), so a batch costs one round trip whatever
 * its size and never nears the 65,535 bind parameters; array parameters were ~10x
 * slower through Prisma's driver adapter. 5,000 rows keep a parameter to a few hundred KB.
 */
export const IMPORT_BATCH_ROWS = 5_000;

function* batches<T>(items: readonly T[], size = IMPORT_BATCH_ROWS): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

const key = (...parts: string[]) => JSON.stringify(parts);

/** One statement parameter holding `rows` (expanded with `json_to_recordset($n::json) AS t(...)`). */
const json = (rows: unknown[]) => JSON.stringify(rows);

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
      `INSERT INTO organizations (id, name) SELECT id, name FROM json_to_recordset($1::json) AS t(id text, name text)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, updated_at = now()`,
      json(rows.map((o) => ({ id: o.id, name: o.name }))),
    );
  }
  const roleIds = new Map<string, number>();
  for (const rows of batches(file.roles)) {
    const saved = await tx.$queryRawUnsafe<Array<{ id: number; org_id: string; name: string }>>(
      `INSERT INTO roles (org_id, name, permissions)
       SELECT o, n, ARRAY(SELECT x FROM json_array_elements_text(p) WITH ORDINALITY AS e(x, i) ORDER BY i) FROM json_to_recordset($1::json) AS t(o text, n text, p json)
       ON CONFLICT (org_id, name) DO UPDATE SET permissions = EXCLUDED.permissions, updated_at = now()
       RETURNING id, org_id, name`,
      // Deduplicated and sorted here (code-unit order, as everywhere else), not by the database's collation.
      json(rows.map((r) => ({ o: r.orgId, n: r.name, p: [...new Set(r.permissions)].sort() }))),
    );
    for (const role of saved) roleIds.set(key(role.org_id, role.name), Number(role.id));
  }
  await lookUpRoleIds(tx, file, roleIds);

  for (const rows of batches(file.memberships)) {
    const created = await tx.$queryRawUnsafe<Array<{ org_id: string; user_id: string }>>(
      `INSERT INTO memberships (org_id, user_id) SELECT o, u FROM json_to_recordset($1::json) AS t(o text, u text) ON CONFLICT DO NOTHING RETURNING org_id, user_id`,
      json(rows.map((m) => ({ o: m.orgId, u: m.userId }))),
    );
    const wanted = json(rows.flatMap((m) => m.roles.map((name) => ({ o: m.orgId, u: m.userId, r: roleIds.get(key(m.orgId, name))! }))));
    // Only memberships that existed before can hold roles the file no longer lists.
    const fresh = new Set(created.map((m) => key(m.org_id, m.user_id)));
    const existing = rows.filter((m) => !fresh.has(key(m.orgId, m.userId)));
    if (existing.length > 0) {
      // NOT EXISTS, not NOT IN: an anti-join, which stays a hash join however many rows.
      await tx.$executeRawUnsafe(
        `DELETE FROM membership_roles mr USING json_to_recordset($1::json) AS m(o text, u text)
         WHERE mr.org_id = m.o AND mr.user_id = m.u
           AND NOT EXISTS (SELECT 1 FROM json_to_recordset($2::json) AS w(o text, u text, r int) WHERE w.o = mr.org_id AND w.u = mr.user_id AND w.r = mr.role_id)`,
        json(existing.map((m) => ({ o: m.orgId, u: m.userId }))),
        wanted,
      );
    }
    await tx.$executeRawUnsafe(
      `INSERT INTO membership_roles (org_id, user_id, role_id) SELECT o, u, r FROM json_to_recordset($1::json) AS t(o text, u text, r int) ON CONFLICT DO NOTHING`,
      wanted,
    );
  }

  for (const rows of batches(file.grants)) {
    await tx.$executeRawUnsafe(
      `INSERT INTO grants (org_id, user_id, permission, expires_at)
       SELECT o, u, p, e::timestamptz FROM json_to_recordset($1::json) AS t(o text, u text, p text, e text)
       ON CONFLICT (org_id, user_id, permission) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
      json(rows.map((g) => ({ o: g.orgId, u: g.userId, p: g.permission, e: g.expiresAt ? new Date(g.expiresAt).toISOString() : null }))),
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
      `SELECT r.id, r.org_id, r.name FROM roles r JOIN json_to_recordset($1::json) AS t(o text, n text) ON r.org_id = t.o AND r.name = t.n`,
      json(rows.map((r) => ({ o: r.orgId, n: r.name }))),
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
    const listed = byOrg.get(org.id) ?? { roles: [], userIds: [], grants: [] };
    removed.roles += await tx.$executeRawUnsafe(
      `DELETE FROM roles x WHERE x.org_id = $1 AND NOT EXISTS (SELECT 1 FROM json_array_elements_text($2::json) AS k(n) WHERE k.n = x.name)`,
      org.id,
      json(listed.roles),
    );
    removed.memberships += await tx.$executeRawUnsafe(
      `DELETE FROM memberships x WHERE x.org_id = $1 AND NOT EXISTS (SELECT 1 FROM json_array_elements_text($2::json) AS k(u) WHERE k.u = x.user_id)`,
      org.id,
      json(listed.userIds),
    );
    removed.grants += await tx.$executeRawUnsafe(
      `DELETE FROM grants x WHERE x.org_id = $1 AND NOT EXISTS (SELECT 1 FROM json_to_recordset($2::json) AS k(u text, p text) WHERE k.u = x.user_id AND k.p = x.permission)`,
      org.id,
      json(listed.grants),
    );
  }
  return removed;
}

function groupByOrg(file: PolicyFile) {
  const byOrg = new Map<string, { roles: string[]; userIds: string[]; grants: Array<{ u: string; p: string }> }>();
  const of = (orgId: string) => {
    let entry = byOrg.get(orgId);
    if (!entry) byOrg.set(orgId, (entry = { roles: [], userIds: [], grants: [] }));
    return entry;
  };
  for (const r of file.roles) of(r.orgId).roles.push(r.name);
  for (const m of file.memberships) of(m.orgId).userIds.push(m.userId);
  for (const g of file.grants) of(g.orgId).grants.push({ u: g.userId, p: g.permission });
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
    const rows = await tx.$queryRawUnsafe<Array<{ id: string }>>(`SELECT id FROM organizations WHERE id IN (SELECT json_array_elements_text($1::json))`, json(ids));
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
      `SELECT r.org_id, r.name FROM roles r JOIN json_to_recordset($1::json) AS t(o text, n text) ON r.org_id = t.o AND r.name = t.n`,
      json(rows.map((r) => ({ o: r.orgId, n: r.name }))),
    );
    for (const row of found) dbRoles.add(key(row.org_id, row.name));
  }
  const dbMembers = new Set<string>();
  for (const rows of batches([...memberQueries.values()])) {
    const found = await tx.$queryRawUnsafe<Array<{ org_id: string; user_id: string }>>(
      `SELECT m.org_id, m.user_id FROM memberships m JOIN json_to_recordset($1::json) AS t(o text, u text) ON m.org_id = t.o AND m.user_id = t.u`,
      json(rows.map((m) => ({ o: m.orgId, u: m.userId }))),
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
