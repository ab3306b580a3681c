import { hasScope, requireMayAskAbout, requireScope } from '../../auth/scopes';
import { checkId } from '../../admin/validate';
import { validateCheck, validateSubject } from '../../authz/decision-service';
import { explain } from '../../authz/explain';
import type { QueryResolvers } from '../generated/resolvers-types';

/**
 * Administration reads: straight from PostgreSQL through PolicyReads. The policy and
 * its audit trail are for `authz:admin` callers; `explain` is for whoever may ask
 * about that user (it says no more than `can` and `permissions` do, plus where from).
 */
export const AdminQuery: Pick<QueryResolvers, 'organizations' | 'organization' | 'member' | 'explain' | 'auditLog'> = {
  organizations: (_parent, _args, ctx) => {
    requireScope(ctx.caller, 'authz:admin');
    return ctx.reads.organizations();
  },
  organization: (_parent, { id }, ctx) => {
    requireScope(ctx.caller, 'authz:admin');
    return ctx.reads.organization(checkId('id', id));
  },
  member: (_parent, { userId, orgId }, ctx) => {
    requireScope(ctx.caller, 'authz:admin');
    validateSubject({ userId, orgId });
    return ctx.reads.member(orgId, userId);
  },
  explain: async (_parent, args, ctx) => {
    requireMayAskAbout(ctx.caller, [args.userId]);
    validateCheck(args);
    const facts = await ctx.reads.facts(args.userId, args.orgId);
    const explanation = explain(facts, args.permission, Date.now());
    // Whether an organization exists is for administrators: to anyone else, a missing
    // organization looks like any other non-membership (no tenant enumeration).
    if (explanation.code === 'ORGANIZATION_NOT_FOUND' && !hasScope(ctx.caller, 'authz:admin')) {
      return { ...args, ...explain({ ...facts, organizationExists: true }, args.permission, Date.now()) };
    }
    return { ...args, ...explanation };
  },
  auditLog: async (_parent, { orgId, first, after }, ctx) => {
    requireScope(ctx.caller, 'authz:admin');
    const page = await ctx.reads.auditLog(checkId('orgId', orgId), { first, after });
    return { events: page.items, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
  },
};
