import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../context';

/**
 * Tells callers where answers came from: every response that resolved a decision
 * field carries `extensions.authz = { cache: { l1Hits, l2Hits, misses, degraded }, traceId, consistency }`,
 * `consistency` being the strongest mode any field applied.
 */
export function authzExtensionsPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (!contextValue.counts.touched || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = {
            ...result.extensions,
            authz: { cache: contextValue.counts.toJSON(), traceId: contextValue.traceId, consistency: contextValue.counts.consistency },
          };
        },
      };
    },
  };
}
