import { ApolloServer, HeaderMap } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { GraphQLError } from 'graphql';
import { apolloPlugins, gatewayPlugins } from '../../../src/graphql/plugin-list/apollo-plugins';
import type { GraphQLContext } from '../../../src/graphql/context';
import { createErrorFormatter } from '../../../src/graphql/errors';
import { hardenedApolloOptions } from '../../../src/graphql/hardening';
import { OperationCache } from '../../../src/graphql/prepared/operation-cache';
import { PreparedPath } from '../../../src/graphql/prepared/prepared-path';

/**
 * The production plugin list (graphql-armor masking suggestions) on one Apollo Server
 * and one prepared path, the same resolver error through both: the same status and
 * bytes. The gateway's differential test (test/integration/prepared-operations.test.ts)
 * runs outside production, where armor installs no plugin.
 */
const schema = makeExecutableSchema({
  typeDefs: 'type Query { check(permission: String!): Boolean }',
  resolvers: {
    Query: {
      check: (_source: unknown, { permission }: { permission: string }) => {
        throw new GraphQLError(`unknown permission "${permission}". Did you mean "document:read"?`, { extensions: { code: 'BAD_USER_INPUT' } });
      },
    },
  },
});
const QUERY = 'query Check($p: String!) { check(permission: $p) }';
const body = { query: QUERY, variables: { p: 'document:raed' } };

test('a resolver error carrying a suggestion: the prepared path masks it exactly as Apollo with armor does', async () => {
  const { plugins: armor, ...hardening } = hardenedApolloOptions({ introspection: false, blockFieldSuggestions: true, includeStacktrace: false });
  const finished: string[] = [];
  const plugins = gatewayPlugins({ armor, finished: (_context, outcome, _ms, pipeline) => finished.push(`${pipeline} ${outcome.errorCodes.join()}`), studio: null });
  const formatError = createErrorFormatter({ exposeInternals: false, onInternalError: () => undefined });
  const context = { traceId: 'trace-1', counts: { touched: false } } as unknown as GraphQLContext;

  const apollo = new ApolloServer<GraphQLContext>({ schema, ...hardening, plugins: apolloPlugins(plugins), formatError });
  await apollo.start();
  try {
    const viaApollo = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers: new HeaderMap([['content-type', 'application/json']]), search: '', body },
      context: async () => context,
    });
    const prepared = await PreparedPath.create({
      operations: new OperationCache({ schema, validationRules: hardening.validationRules, parseOptions: hardening.parseOptions ?? {} }),
      formatError,
      includeStacktrace: false,
      plugins,
    });
    expect(await prepared.run(body, undefined, async () => context)).toBeNull(); // first sighting: Apollo's
    const viaPrepared = (await prepared.run(body, undefined, async () => context))!;
    viaPrepared.finish();

    expect(viaApollo.body.kind).toBe('complete');
    const apolloText = viaApollo.body.kind === 'complete' ? viaApollo.body.string : '';
    expect(apolloText).toContain('[Suggestion hidden]');
    expect(apolloText).not.toContain('document:read');
    expect({ status: viaPrepared.status, body: viaPrepared.body }).toEqual({ status: viaApollo.status ?? 200, body: apolloText });
    expect(finished).toEqual(['apollo BAD_USER_INPUT', 'prepared BAD_USER_INPUT']);
  } finally {
    await apollo.stop();
  }
});
