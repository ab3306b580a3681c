import type { QueryResolvers } from '../generated/resolvers-types';

/** The three read fields. Validation and rules live in the decision service. */
export const Query: QueryResolvers = {
  can: (_parent, args, ctx) => ctx.decisions.can(ctx.loader, args, ctx.counts.record),
  permissions: (_parent, args, ctx) => ctx.decisions.permissions(ctx.loader, args, ctx.counts.record),
  checks: (_parent, args, ctx) => ctx.decisions.checks(ctx.loader, args.requests, ctx.counts.record),
};
