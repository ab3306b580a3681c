import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../context';

/**
 * Tells callers where answers came from: every response that resolved a decision
 * field carries `extensions.authz = { cache: { l1Hits, l2Hits, misses, degraded }, traceId, consistency }`,
 * `consistency` being the strongest mode any field applied. Undefined when no decision
 * field ran.
 */
export function authzExtension(context: GraphQLContext): Record<string, unknown> | undefined {
  const counts = context.counts;
  if (!counts.touched) return undefined;
  return { cache: counts.toJSON(), traceId: context.traceId, consistency: counts.consistency };
}

/** `extensions.authz` on responses Apollo sends. */
export function authzExtensionsPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          const authz = authzExtension(contextValue);
          if (!authz || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, authz };
        },
      };
    },
  };
}
