import { ConflictError, NotFoundError } from '../authz/errors';
import { type ChangeResult, PolicyChanges } from './policy-changes';
import { checkExpiry, checkId, checkName, checkPatterns } from './validate';
import { type Db, type MemberView, memberView, type OrganizationView, organizationView, type RoleView, roleView } from './views';

/**
 * The administration API: every change to organizations, roles, memberships and
 * grants. Each method validates its input, runs in one transaction through
 * PolicyChanges (revision, audit event, invalidation after commit) and returns the new
 * state (for deletions, the last state) with a consistency token. A failed change
 * writes nothing.
 *
 * @throws InvalidInputError, NotFoundError, ConflictError
 */
export class PolicyAdmin {
  constructor(private readonly changes: PolicyChanges) {}

  createOrganization(actor: string, id: string, name: string): Promise<ChangeResult<OrganizationView>> {
    checkId('id', id);
    checkName('name', name);
    return this.changes.run(actor, 'createOrganization', id, async (db) => {
      if (await db.organization.findUnique({ where: { id }, select: { id: true } })) throw new ConflictError(`organization "${id}" already exists`);
      await db.organization.create({ data: { id, name } });
      const after = await organizationView(db, id);
      // Sets cached for this ID while it did not exist say "not a member": still true.
      return { result: after, target: { id }, before: null, after };
    }, { creates: true });
  }

  renameOrganization(actor: string, id: string, name: string): Promise<ChangeResult<OrganizationView>> {
    checkId('id', id);
    checkName('name', name);
    return this.changes.run(actor, 'renameOrganization', id, async (db) => {
      const before = await organizationView(db, id);
      await db.organization.update({ where: { id }, data: { name } });
      const after = await organizationView(db, id);
      return { result: after, target: { id }, before, after };
    });
  }

  deleteOrganization(actor: string, id: string): Promise<ChangeResult<OrganizationView>> {
    checkId('id', id);
    return this.changes.run(actor, 'deleteOrganization', id, async (db) => {
      const before = await organizationView(db, id);
      await db.organization.delete({ where: { id } });
      return { result: before, target: { id }, before, after: null, invalidate: { orgIds: [id] } };
    });
  }

  createRole(actor: string, orgId: string, name: string, permissions: readonly string[]): Promise<ChangeResult<RoleView>> {
    checkId('orgId', orgId);
    checkName('name', name);
    const patterns = checkPatterns('permissions', permissions);
    return this.changes.run(actor, 'createRole', orgId, async (db) => {
      await this.refuseDuplicateRole(db, orgId, name);
      await db.role.create({ data: { orgId, name, permissions: patterns } });
      const after = strip(await roleView(db, orgId, name));
      // Nobody holds a new role yet: no cached set changes.
      return { result: after, target: { role: name }, before: null, after };
    });
  }

  setRolePermissions(actor: string, orgId: string, role: string, permissions: readonly string[]): Promise<ChangeResult<RoleView>> {
    checkId('orgId', orgId);
    checkName('role', role);
    const patterns = checkPatterns('permissions', permissions);
    return this.changes.run(actor, 'setRolePermissions', orgId, async (db) => {
      const before = await roleView(db, orgId, role);
      await db.role.update({ where: { id: before.id }, data: { permissions: patterns } });
      const after = strip(await roleView(db, orgId, role));
      return { result: after, target: { role }, before: strip(before), after, invalidate: { orgIds: [orgId] } };
    });
  }

  renameRole(actor: string, orgId: string, role: string, newName: string): Promise<ChangeResult<RoleView>> {
    checkId('orgId', orgId);
    checkName('role', role);
    checkName('newName', newName);
    return this.changes.run(actor, 'renameRole', orgId, async (db) => {
      const before = await roleView(db, orgId, role);
      if (newName !== role) await this.refuseDuplicateRole(db, orgId, newName);
      await db.role.update({ where: { id: before.id }, data: { name: newName } });
      const after = strip(await roleView(db, orgId, newName));
      // Role names are part of every member's cached set.
      return { result: after, target: { role }, before: strip(before), after, invalidate: { orgIds: [orgId] } };
    });
  }

  deleteRole(actor: string, orgId: string, role: string): Promise<ChangeResult<RoleView>> {
    checkId('orgId', orgId);
    checkName('role', role);
    return this.changes.run(actor, 'deleteRole', orgId, async (db) => {
      const before = await roleView(db, orgId, role);
      await db.role.delete({ where: { id: before.id } });
      return { result: strip(before), target: { role }, before: strip(before), after: null, invalidate: { orgIds: [orgId] } };
    });
  }

  addMember(actor: string, userId: string, orgId: string, roles: readonly string[]): Promise<ChangeResult<MemberView>> {
    checkId('userId', userId);
    checkId('orgId', orgId);
    roles.forEach((role, i) => checkName(`roles[${i}]`, role));
    return this.changes.run(actor, 'addMember', orgId, async (db) => {
      if (await db.membership.findUnique({ where: { orgId_userId: { orgId, userId } }, select: { userId: true } })) {
        throw new ConflictError(`"${userId}" is already a member of organization "${orgId}"`);
      }
      const roleIds = await Promise.all([...new Set(roles)].map(async (name) => (await roleView(db, orgId, name)).id));
      await db.membership.create({ data: { orgId, userId } });
      if (roleIds.length > 0) await db.membershipRole.createMany({ data: roleIds.map((roleId) => ({ orgId, userId, roleId })) });
      return this.memberChange(db, orgId, userId, null);
    });
  }

  removeMember(actor: string, userId: string, orgId: string): Promise<ChangeResult<MemberView>> {
    checkId('userId', userId);
    checkId('orgId', orgId);
    return this.changes.run(actor, 'removeMember', orgId, async (db) => {
      const before = await memberView(db, orgId, userId);
      await db.membership.delete({ where: { orgId_userId: { orgId, userId } } });
      return { result: before, target: { userId }, before, after: null, invalidate: { subjects: [{ userId, orgId }] } };
    });
  }

  assignRole(actor: string, userId: string, orgId: string, role: string): Promise<ChangeResult<MemberView>> {
    checkId('userId', userId);
    checkId('orgId', orgId);
    checkName('role', role);
    return this.changes.run(actor, 'assignRole', orgId, async (db) => {
      const before = await memberView(db, orgId, userId);
      const { id: roleId } = await roleView(db, orgId, role);
      await db.membershipRole.createMany({ data: [{ orgId, userId, roleId }], skipDuplicates: true });
      return this.memberChange(db, orgId, userId, before, { role });
    });
  }

  unassignRole(actor: string, userId: string, orgId: string, role: string): Promise<ChangeResult<MemberView>> {
    checkId('userId', userId);
    checkId('orgId', orgId);
    checkName('role', role);
    return this.changes.run(actor, 'unassignRole', orgId, async (db) => {
      const before = await memberView(db, orgId, userId);
      const { id: roleId } = await roleView(db, orgId, role);
      await db.membershipRole.deleteMany({ where: { orgId, userId, roleId } });
      return this.memberChange(db, orgId, userId, before, { role });
    });
  }

  grantPermission(actor: string, userId: string, orgId: string, permission: string, expiresAt?: string | null): Promise<ChangeResult<MemberView>> {
    checkId('userId', userId);
    checkId('orgId', orgId);
    const [pattern] = checkPatterns('permission', [permission]);
    const expiry = checkExpiry('expiresAt', expiresAt);
    return this.changes.run(actor, 'grantPermission', orgId, async (db) => {
      const before = await memberView(db, orgId, userId);
      await db.grant.upsert({
        where: { orgId_userId_permission: { orgId, userId, permission: pattern! } },
        create: { orgId, userId, permission: pattern!, expiresAt: expiry },
        update: { expiresAt: expiry },
      });
      return this.memberChange(db, orgId, userId, before, { permission: pattern });
    });
  }

  revokePermission(actor: string, userId: string, orgId: string, permission: string): Promise<ChangeResult<MemberView>> {
    checkId('userId', userId);
    checkId('orgId', orgId);
    checkPatterns('permission', [permission]);
    return this.changes.run(actor, 'revokePermission', orgId, async (db) => {
      const before = await memberView(db, orgId, userId);
      const { count } = await db.grant.deleteMany({ where: { orgId, userId, permission } });
      if (count === 0) throw new NotFoundError(`"${userId}" holds no direct grant "${permission}" in organization "${orgId}"`);
      return this.memberChange(db, orgId, userId, before, { permission });
    });
  }

  private async memberChange(db: Db, orgId: string, userId: string, before: MemberView | null, extra: Record<string, unknown> = {}) {
    const after = await memberView(db, orgId, userId);
    return { result: after, target: { userId, ...extra }, before, after, invalidate: { subjects: [{ userId, orgId }] } };
  }

  private async refuseDuplicateRole(db: Db, orgId: string, name: string): Promise<void> {
    if (await db.role.findUnique({ where: { orgId_name: { orgId, name } }, select: { id: true } })) {
      throw new ConflictError(`organization "${orgId}" already has a role "${name}"`);
    }
  }
}

function strip({ orgId, name, permissions }: RoleView): RoleView {
  return { orgId, name, permissions };
}
