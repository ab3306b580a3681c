import { NotFoundError } from '../authz/errors';
import type { PrismaClient } from '../store/generated/prisma/client';

/** A transaction client or the client itself: views read from either. */
export type Db = Pick<PrismaClient, 'organization' | 'role' | 'membership' | 'grant' | 'membershipRole' | 'auditEvent' | '$queryRawUnsafe' | '$executeRawUnsafe'>;

export interface OrganizationView {
  id: string;
  name: string;
  revision: number;
}

export interface RoleView {
  orgId: string;
  name: string;
  permissions: string[];
}

export interface GrantView {
  permission: string;
  /** ISO 8601, or null for a grant that never expires. */
  expiresAt: string | null;
}

export interface MemberView {
  orgId: string;
  userId: string;
  roles: string[];
  grants: GrantView[];
}

/** The state of things as mutations return them and the audit trail records them. */
export async function organizationView(db: Db, id: string): Promise<OrganizationView> {
  const org = await db.organization.findUnique({ where: { id }, select: { id: true, name: true, revision: true } });
  if (!org) throw new NotFoundError(`organization "${id}" does not exist`);
  return org;
}

export async function roleView(db: Db, orgId: string, name: string): Promise<RoleView & { id: number }> {
  const role = await db.role.findUnique({ where: { orgId_name: { orgId, name } }, select: { id: true, orgId: true, name: true, permissions: true } });
  if (!role) throw new NotFoundError(`organization "${orgId}" has no role "${name}"`);
  return role;
}

export async function memberView(db: Db, orgId: string, userId: string): Promise<MemberView> {
  const member = await db.membership.findUnique({
    where: { orgId_userId: { orgId, userId } },
    select: {
      roles: { select: { role: { select: { name: true } } } },
      grants: { select: { permission: true, expiresAt: true }, orderBy: { permission: 'asc' } },
    },
  });
  if (!member) throw new NotFoundError(`"${userId}" is not a member of organization "${orgId}"`);
  return {
    orgId,
    userId,
    roles: member.roles.map((r) => r.role.name).sort(),
    grants: member.grants.map((g) => ({ permission: g.permission, expiresAt: g.expiresAt ? g.expiresAt.toISOString() : null })),
  };
}
