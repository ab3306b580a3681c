import type { PrismaClient } from './generated/prisma/client';
import { type PolicyFile, PolicyValidationError } from './policy-file';
import { type ChangeGate, type LoggedChange, type PolicyChangeRecord, publishInTransaction } from './change-log';
import { bumpRevision } from './revision';

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export interface ImportSummary {
  organizations: number;
  roles: number;
  memberships: number;
  grants: number;
  /** With `replace`: what was removed because the file no longer lists it. */
  removed: { roles: number; memberships: number; grants: number };
  /** Organizations whose cached permission sets must be invalidated. */
  affectedOrgIds: string[];
}

/**
 * Writes a parsed policy file in one transaction: all of it or nothing. Entries are
 * upserted, so importing the same file twice changes nothing. A membership's roles are
 * set to exactly the listed ones. With `replace`, the listed organizations are made to
 * match the file exactly (roles, members and grants it does not list are removed).
 *
 * References the file makes to the database (a role's organization, a member's roles, a
 * grant's membership) are checked inside the transaction before anything is written.
 *
 * Like every policy change, an import bumps each touched organization's revision and
 * goes through `gate` (src/store/change-log.ts): the caches are fenced before the commit
 * and every instance learns of the change from the change log. Without a gate (seeding
 * an empty database, tests) the change is still logged.
 * @throws PolicyValidationError with the JSON path of every dangling reference.
 * @throws L2UnavailableError (from the gate) when the caches cannot be fenced; nothing is written then.
 */
export async function importPolicy(
  prisma: PrismaClient,
  file: PolicyFile,
  options: { replace?: boolean; actor?: string; gate?: ChangeGate | null } = {},
): Promise<ImportSummary> {
  const replace = options.replace ?? false;
  const { summary, logged } = await prisma.$transaction(
    async (tx) => {
      await checkReferences(tx, file, replace);
      const summary: ImportSummary = {
        organizations: file.organizations.length,
        roles: file.roles.length,
        memberships: file.memberships.length,
        grants: file.grants.length,
        removed: { roles: 0, memberships: 0, grants: 0 },
        affectedOrgIds: [...new Set([...file.organizations.map((o) => o.id), ...file.roles.map((r) => r.orgId), ...file.memberships.map((m) => m.orgId), ...file.grants.map((g) => g.orgId)])].sort(),
      };

      for (const org of file.organizations) {
        await tx.organization.upsert({ where: { id: org.id }, create: { id: org.id, name: org.name }, update: { name: org.name } });
      }
      const roleIds = new Map<string, number>();
      for (const role of file.roles) {
        const permissions = [...new Set(role.permissions)].sort();
        const saved = await tx.role.upsert({
          where: { orgId_name: { orgId: role.orgId, name: role.name } },
          create: { orgId: role.orgId, name: role.name, permissions },
          update: { permissions },
        });
        roleIds.set(JSON.stringify([role.orgId, role.name]), saved.id);
      }
      for (const m of file.memberships) {
        await tx.membership.upsert({
          where: { orgId_userId: { orgId: m.orgId, userId: m.userId } },
          create: { orgId: m.orgId, userId: m.userId },
          update: {},
        });
        const wanted: number[] = [];
        for (const name of m.roles) {
          let roleId = roleIds.get(JSON.stringify([m.orgId, name]));
          if (roleId === undefined) {
            roleId = (await tx.role.findUniqueOrThrow({ where: { orgId_name: { orgId: m.orgId, name } } })).id;
          }
          wanted.push(roleId);
        }
        await tx.membershipRole.deleteMany({ where: { orgId: m.orgId, userId: m.userId, roleId: { notIn: wanted } } });
        await tx.membershipRole.createMany({
          data: wanted.map((roleId) => ({ orgId: m.orgId, userId: m.userId, roleId })),
          skipDuplicates: true,
        });
      }
      for (const g of file.grants) {
        const expiresAt = g.expiresAt ? new Date(g.expiresAt) : null;
        await tx.grant.upsert({
          where: { orgId_userId_permission: { orgId: g.orgId, userId: g.userId, permission: g.permission } },
          create: { orgId: g.orgId, userId: g.userId, permission: g.permission, expiresAt },
          update: { expiresAt },
        });
      }

      if (replace) {
        for (const org of file.organizations) {
          const roles = file.roles.filter((r) => r.orgId === org.id).map((r) => r.name);
          const members = file.memberships.filter((m) => m.orgId === org.id);
          const grants = file.grants.filter((g) => g.orgId === org.id);
          summary.removed.roles += (await tx.role.deleteMany({ where: { orgId: org.id, name: { notIn: roles } } })).count;
          summary.removed.memberships += (
            await tx.membership.deleteMany({ where: { orgId: org.id, userId: { notIn: members.map((m) => m.userId) } } })
          ).count;
          const existing = await tx.grant.findMany({ where: { orgId: org.id }, select: { id: true, userId: true, permission: true } });
          const keep = new Set(grants.map((g) => JSON.stringify([g.userId, g.permission])));
          const drop = existing.filter((g) => !keep.has(JSON.stringify([g.userId, g.permission]))).map((g) => g.id);
          if (drop.length > 0) summary.removed.grants += (await tx.grant.deleteMany({ where: { id: { in: drop } } })).count;
        }
      }
      // Like every change: bump each touched organization's revision and record it.
      const records: PolicyChangeRecord[] = [];
      for (const orgId of summary.affectedOrgIds) {
        const revision = await bumpRevision(tx, orgId);
        // Cannot happen (references were checked above); if it did, the transaction rolls back.
        if (revision === null) throw new Error(`organization "${orgId}" vanished during the import`);
        await tx.auditEvent.create({
          data: {
            orgId,
            actor: options.actor ?? 'import',
            action: 'import',
            target: { replace },
            after: {
              roles: file.roles.filter((r) => r.orgId === orgId).length,
              memberships: file.memberships.filter((m) => m.orgId === orgId).length,
              grants: file.grants.filter((g) => g.orgId === orgId).length,
            },
            revision,
          },
        });
        records.push({ orgId, revision, userIds: [], wholeOrg: true });
      }
      const logged: LoggedChange[] = await publishInTransaction(tx, records, options.gate ?? null);
      return { summary, logged };
    },
    { timeout: 120_000, maxWait: 10_000 },
  );
  if (logged.length > 0) await options.gate?.committed(logged);
  return summary;
}

async function checkReferences(tx: Tx, file: PolicyFile, replace: boolean): Promise<void> {
  const problems: string[] = [];
  const listedOrgs = new Set(file.organizations.map((o) => o.id));
  const referencedOrgs = [...new Set([...file.roles, ...file.memberships, ...file.grants].map((x) => x.orgId))];
  const existingOrgs = new Set(
    (await tx.organization.findMany({ where: { id: { in: referencedOrgs } }, select: { id: true } })).map((o) => o.id),
  );
  const orgKnown = (id: string) => listedOrgs.has(id) || existingOrgs.has(id);
  // With --replace, what a listed organization has in the database does not survive.
  const dbCounts = (orgId: string) => !(replace && listedOrgs.has(orgId));

  const fileRoles = new Set(file.roles.map((r) => JSON.stringify([r.orgId, r.name])));
  const fileMembers = new Set(file.memberships.map((m) => JSON.stringify([m.orgId, m.userId])));

  for (const [i, role] of file.roles.entries()) {
    if (!orgKnown(role.orgId)) problems.push(`$.roles[${i}].orgId: organization "${role.orgId}" is neither in the file nor in the database`);
  }
  for (const [i, m] of file.memberships.entries()) {
    if (!orgKnown(m.orgId)) {
      problems.push(`$.memberships[${i}].orgId: organization "${m.orgId}" is neither in the file nor in the database`);
      continue;
    }
    for (const [j, name] of m.roles.entries()) {
      if (fileRoles.has(JSON.stringify([m.orgId, name]))) continue;
      const inDb = dbCounts(m.orgId) && (await tx.role.count({ where: { orgId: m.orgId, name } })) > 0;
      if (!inDb) problems.push(`$.memberships[${i}].roles[${j}]: organization "${m.orgId}" has no role "${name}"`);
    }
  }
  for (const [i, g] of file.grants.entries()) {
    if (!orgKnown(g.orgId)) {
      problems.push(`$.grants[${i}].orgId: organization "${g.orgId}" is neither in the file nor in the database`);
      continue;
    }
    if (fileMembers.has(JSON.stringify([g.orgId, g.userId]))) continue;
    const inDb = dbCounts(g.orgId) && (await tx.membership.count({ where: { orgId: g.orgId, userId: g.userId } })) > 0;
    if (!inDb) problems.push(`$.grants[${i}]: "${g.userId}" is not a member of "${g.orgId}" (grants are given to members)`);
  }
  if (problems.length > 0) throw new PolicyValidationError(problems);
}
