import { validateCheck, validateSubject } from '../../authz/decision-service';
import { explain } from '../../authz/explain';
import type { QueryResolvers } from '../generated/resolvers-types';

/** Administration reads: straight from PostgreSQL through PolicyReads. */
export const AdminQuery: Pick<QueryResolvers, 'organizations' | 'organization' | 'member' | 'explain' | 'auditLog'> = {
  organizations: (_parent, _args, ctx) => ctx.reads.organizations(),
  organization: (_parent, { id }, ctx) => ctx.reads.organization(id),
  member: (_parent, { userId, orgId }, ctx) => {
    validateSubject({ userId, orgId });
    return ctx.reads.member(orgId, userId);
  },
  explain: async (_parent, args, ctx) => {
    validateCheck(args);
    const facts = await ctx.reads.facts(args.userId, args.orgId);
    return { ...args, ...explain(facts, args.permission, Date.now()) };
  },
  auditLog: async (_parent, { orgId, first, after }, ctx) => {
    const page = await ctx.reads.auditLog(orgId, { first, after });
    return { events: page.items, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
  },
};
