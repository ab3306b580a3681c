import { requireScope } from '../../auth/scopes';
import type { GraphQLContext } from '../context';
import type { MutationResolvers } from '../generated/resolvers-types';

/** Each mutation is one PolicyAdmin call, for callers with `authz:admin`; the payload names its result. */
const resolvers: MutationResolvers = {
  createOrganization: async (_p, { id, name }, ctx) => organization(await ctx.admin.createOrganization(ctx.actor, id, name)),
  renameOrganization: async (_p, { id, name }, ctx) => organization(await ctx.admin.renameOrganization(ctx.actor, id, name)),
  deleteOrganization: async (_p, { id }, ctx) => organization(await ctx.admin.deleteOrganization(ctx.actor, id)),
  createRole: async (_p, a, ctx) => role(await ctx.admin.createRole(ctx.actor, a.orgId, a.name, a.permissions)),
  setRolePermissions: async (_p, a, ctx) => role(await ctx.admin.setRolePermissions(ctx.actor, a.orgId, a.role, a.permissions)),
  renameRole: async (_p, a, ctx) => role(await ctx.admin.renameRole(ctx.actor, a.orgId, a.role, a.newName)),
  deleteRole: async (_p, a, ctx) => role(await ctx.admin.deleteRole(ctx.actor, a.orgId, a.role)),
  addMember: async (_p, a, ctx) => member(await ctx.admin.addMember(ctx.actor, a.userId, a.orgId, a.roles)),
  removeMember: async (_p, a, ctx) => member(await ctx.admin.removeMember(ctx.actor, a.userId, a.orgId)),
  assignRole: async (_p, a, ctx) => member(await ctx.admin.assignRole(ctx.actor, a.userId, a.orgId, a.role)),
  unassignRole: async (_p, a, ctx) => member(await ctx.admin.unassignRole(ctx.actor, a.userId, a.orgId, a.role)),
  grantPermission: async (_p, a, ctx) => member(await ctx.admin.grantPermission(ctx.actor, a.userId, a.orgId, a.permission, a.expiresAt)),
  revokePermission: async (_p, a, ctx) => member(await ctx.admin.revokePermission(ctx.actor, a.userId, a.orgId, a.permission)),
};

/** Every mutation first requires the `authz:admin` scope. */
export const Mutation = Object.fromEntries(
  Object.entries(resolvers).map(([name, resolve]) => [
    name,
    (parent: unknown, args: unknown, ctx: GraphQLContext, info: unknown) => {
      requireScope(ctx.caller, 'authz:admin');
      return (resolve as (...a: unknown[]) => unknown)(parent, args, ctx, info);
    },
  ]),
) as MutationResolvers;

function organization<T>({ result, consistencyToken }: { result: T; consistencyToken: string }) {
  return { organization: result, consistencyToken };
}
function role<T>({ result, consistencyToken }: { result: T; consistencyToken: string }) {
  return { role: result, consistencyToken };
}
function member<T>({ result, consistencyToken }: { result: T; consistencyToken: string }) {
  return { member: result, consistencyToken };
}
