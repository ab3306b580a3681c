import type { ApolloServerPlugin } from '@apollo/server';
import { buildSchema, GraphQLError } from 'graphql';
import { apolloPlugins, gatewayPlugins } from '../../../src/graphql/plugin-list/apollo-plugins';
import type { GraphQLContext } from '../../../src/graphql/context';
import { hardenedApolloOptions } from '../../../src/graphql/hardening';
import { OperationCache } from '../../../src/graphql/prepared/operation-cache';
import { PreparedPath } from '../../../src/graphql/prepared/prepared-path';
import { type GatewayPlugin, reproducePlugins, UnreproducedPluginError } from '../../../src/graphql/prepared/reproduced-plugins';

const STUDIO = { key: 'service:test:key', graphRef: 'authz@test' };
const finished = () => undefined;
const armor = (production: boolean) => hardenedApolloOptions({ introspection: false, blockFieldSuggestions: production, includeStacktrace: false }).plugins;

function preparedPath(plugins: readonly GatewayPlugin[], usage = false) {
  return PreparedPath.create({
    operations: new OperationCache({ schema: buildSchema('type Query { a: String }'), validationRules: [], parseOptions: {} }),
    formatError: (formatted) => formatted,
    includeStacktrace: false,
    plugins,
    usage: usage ? { record: () => undefined } : undefined,
  });
}

test.each([
  ['development, no Studio', false, null],
  ['production (graphql-armor masks suggestions), no Studio', true, null],
  ['production with Apollo Studio reporting', true, STUDIO],
] as const)('the gateway plugin list is reproduced in full: %s', async (_name, production, studio) => {
  const list = gatewayPlugins({ armor: armor(production), finished, studio });
  expect(apolloPlugins(list)).toHaveLength(list.length);
  const reproduced = await reproducePlugins(list, studio !== null);
  expect(reproduced).toMatchObject({ authzExtension: true, httpStatus: true, finished: [finished], usage: studio !== null });
  expect(reproduced.encounterErrors !== null).toBe(production);
});

test('an Apollo plugin the prepared path does not reproduce stops the start, naming the plugin', async () => {
  const list = gatewayPlugins({ armor: armor(false), finished, studio: null });
  const unknown: GatewayPlugin = { name: 'response cache', plugin: { requestDidStart: async () => ({}) }, prepared: null };
  const start = preparedPath([...list, unknown]);
  await expect(start).rejects.toThrow(UnreproducedPluginError);
  await expect(start).rejects.toThrow('the prepared path cannot reproduce the Apollo plugin "response cache"');
  // The same list without it starts.
  await expect(preparedPath(list)).resolves.toBeInstanceOf(PreparedPath);
});

test('an effect the prepared path does not know is refused, as is a claim the plugin contradicts', async () => {
  const perRequest: ApolloServerPlugin<GraphQLContext> = { requestDidStart: async () => ({ willSendResponse: async () => undefined }) };
  const cases: Array<[GatewayPlugin, string]> = [
    [{ name: 'custom', plugin: perRequest, prepared: { kind: 'response-cache' } as never }, 'unknown effect "response-cache"'],
    [{ name: 'quiet', plugin: perRequest, prepared: { kind: 'none-per-request', reason: 'none' } }, 'it is said to do nothing per request, but it has a requestDidStart hook'],
    [{ name: 'masking', plugin: perRequest, prepared: { kind: 'error-messages' } }, 'its request hooks are willSendResponse, not didEncounterErrors alone'],
    [{ name: 'masking', plugin: { ...perRequest, serverWillStart: async () => undefined }, prepared: { kind: 'error-messages' } }, 'its hooks are requestDidStart, serverWillStart, not requestDidStart alone'],
  ];
  for (const [plugin, reason] of cases) {
    await expect(reproducePlugins([plugin], false)).rejects.toThrow(`"${plugin.name}": ${reason}`);
  }
});

test('Apollo reporting usage needs the prepared path to report it too, and only then', async () => {
  const withStudio = gatewayPlugins({ armor: [], finished, studio: STUDIO });
  await expect(preparedPath(withStudio, false)).rejects.toThrow('"Apollo Studio usage reporting": Apollo reports usage, but the prepared path was given no usage reporter');
  await expect(preparedPath(gatewayPlugins({ armor: [], finished, studio: null }), true)).rejects.toThrow('Apollo does not report usage');
  await expect(preparedPath(withStudio, true)).resolves.toBeInstanceOf(PreparedPath);
});

test("graphql-armor's suggestion masking is applied to the prepared path's errors by its own hook", async () => {
  const { encounterErrors } = await reproducePlugins(gatewayPlugins({ armor: armor(true), finished, studio: null }), false);
  const errors = [new GraphQLError('unknown permission. Did you mean "document:read"?', { path: ['can'] }), new GraphQLError('plain')];
  const seen = await encounterErrors!(errors, {} as GraphQLContext);
  expect(seen.map((e) => e.message)).toEqual(['unknown permission. [Suggestion hidden]?', 'plain']);
  expect(seen[0]).toBeInstanceOf(GraphQLError);
  expect(seen[0]!.toJSON()).toEqual({ message: 'unknown permission. [Suggestion hidden]?', path: ['can'] });
});
