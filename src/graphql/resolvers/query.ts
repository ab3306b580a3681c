import { requireMayAskAbout } from '../../auth/scopes';
import { readRequirement } from '../../authz/consistency';
import type { GraphQLContext } from '../context';
import type { QueryResolvers } from '../generated/resolvers-types';

/** The L1 for a field's `consistency` argument, noting the mode for the response extensions. */
function reader(ctx: GraphQLContext, consistency: Parameters<typeof readRequirement>[0]) {
  const requirement = readRequirement(consistency);
  ctx.counts.applied(requirement.mode);
  return ctx.loaderFor(requirement);
}

/**
 * The decision fields. Each first checks that the caller may ask about the user(s)
 * (authz:check, or authz:check:self for its own ID only); validation and rules live in
 * the decision service.
 */
export const Query: Pick<QueryResolvers, 'can' | 'permissions' | 'checks'> = {
  can: (_parent, { consistency, ...check }, ctx) => {
    requireMayAskAbout(ctx.caller, [check.userId]);
    return ctx.decisions.can(reader(ctx, consistency), check, ctx.counts.record);
  },
  permissions: (_parent, { consistency, ...subject }, ctx) => {
    requireMayAskAbout(ctx.caller, [subject.userId]);
    return ctx.decisions.permissions(reader(ctx, consistency), subject, ctx.counts.record);
  },
  checks: (_parent, { consistency, requests }, ctx) => {
    requireMayAskAbout(ctx.caller, requests.map((r) => r.userId));
    return ctx.decisions.checks(reader(ctx, consistency), requests, ctx.counts.record);
  },
};
