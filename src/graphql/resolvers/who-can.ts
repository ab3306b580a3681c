import { requireScope } from '../../auth/scopes';
import { readRequirement } from '../../authz/consistency';
import type { QueryResolvers } from '../generated/resolvers-types';

/**
 * `whoCan`: for callers with `authz:check` (or `authz:admin`); the self scope may not
 * list other users. The `consistency` argument is validated like everywhere else, but
 * the answer always comes from PostgreSQL, which satisfies every mode: a response that
 * carries `extensions.authz` (decision fields asked alongside) reports FULLY_CONSISTENT.
 */
export const WhoCanQuery: Pick<QueryResolvers, 'whoCan'> = {
  whoCan: (_parent, { consistency, ...request }, ctx) => {
    requireScope(ctx.caller, 'authz:check');
    readRequirement(consistency);
    ctx.counts.applied('FULLY_CONSISTENT');
    return ctx.whoCan.page(request);
  },
};
