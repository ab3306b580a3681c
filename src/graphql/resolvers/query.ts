import { requireMayAskAbout } from '../../auth/scopes';
import type { QueryResolvers } from '../generated/resolvers-types';

/**
 * The three read fields. Each first checks that the caller may ask about the user(s)
 * (authz:check, or authz:check:self for its own ID only); validation and rules live in
 * the decision service.
 */
export const Query: QueryResolvers = {
  can: (_parent, args, ctx) => {
    requireMayAskAbout(ctx.caller, [args.userId]);
    return ctx.decisions.can(ctx.loader, args, ctx.counts.record);
  },
  permissions: (_parent, args, ctx) => {
    requireMayAskAbout(ctx.caller, [args.userId]);
    return ctx.decisions.permissions(ctx.loader, args, ctx.counts.record);
  },
  checks: (_parent, args, ctx) => {
    requireMayAskAbout(ctx.caller, args.requests.map((r) => r.userId));
    return ctx.decisions.checks(ctx.loader, args.requests, ctx.counts.record);
  },
};
