import type { Resolvers } from '../generated/resolvers-types';

/** Fields of the administration types that are not plain properties of their views. */
export const adminTypes: Pick<Resolvers, 'Organization' | 'Grant' | 'AuditEvent'> = {
  Organization: {
    roles: (org, _args, ctx) => ctx.reads.roles(org.id),
    memberCount: (org, _args, ctx) => ctx.reads.memberCount(org.id),
    members: async (org, args, ctx) => {
      const page = await ctx.reads.members(org.id, args);
      return { members: page.items, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
    },
  },
  Grant: {
    expired: (grant) => grant.expiresAt !== null && Date.parse(grant.expiresAt) <= Date.now(),
  },
  AuditEvent: {
    target: (event) => JSON.stringify(event.target ?? {}),
    before: (event) => (event.before === null || event.before === undefined ? null : JSON.stringify(event.before)),
    after: (event) => (event.after === null || event.after === undefined ? null : JSON.stringify(event.after)),
  },
};
