import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import type { ObservabilityConfig } from '../../config/config';
import type { GraphQLContext } from '../context';
import { schemaReportingPlugin, usageReportingPlugin } from '../plugins/apollo-reporting';
import { authzExtensionsPlugin } from '../plugins/authz-extensions';
import { httpStatusPlugin } from '../plugins/http-status';
import { type FinishedRequestHandler, requestOutcomePlugin } from '../plugins/observability';
import type { GatewayPlugin } from '../prepared/reproduced-plugins';

export interface ApolloPluginsOptions {
  /** graphql-armor's plugins (hardening.ts). */
  armor: ReadonlyArray<ApolloServerPlugin<BaseContext>>;
  /** A finished request's log line, metrics and span name; the prepared path calls the same function. */
  finished: FinishedRequestHandler;
  /** Apollo Studio reporting (null: off, its plugins installed disabled). */
  studio: ObservabilityConfig['apollo'];
}

/**
 * Every plugin Apollo Server runs, named, each with how the prepared path gives a
 * request the same effect (src/graphql/prepared/reproduced-plugins.ts). Apollo gets
 * `apolloPlugins(list)`, the prepared path the list itself, and it refuses to start on
 * an entry it cannot reproduce: a plugin is added here, and nowhere else, and the
 * prepared path must then learn it (or be switched off).
 *
 * The order is the order Apollo calls the hooks in: the status plugin stamps trace IDs
 * before the finished request reads the error codes.
 *
 * Apollo adds one plugin of its own to this list: the landing page, which answers GET
 * (the prepared path takes only POST). Inline tracing, which it would also add, is
 * installed disabled here: it only ever traces a federation subgraph, which this
 * schema is not.
 */
export function gatewayPlugins(options: ApolloPluginsOptions): GatewayPlugin[] {
  // Apollo's own plugins are typed for any context; they read none of ours.
  const any = (plugin: ApolloServerPlugin<BaseContext>) => plugin as ApolloServerPlugin<GraphQLContext>;
  return [
    { name: 'authz extensions', plugin: authzExtensionsPlugin(), prepared: { kind: 'authz-extension' } },
    { name: 'http status', plugin: httpStatusPlugin(), prepared: { kind: 'http-status' } },
    // Armor's limits are validation rules (the prepared path validates with them); its
    // plugin masks "Did you mean" suggestions in error messages (production only).
    ...options.armor.map((plugin): GatewayPlugin => ({ name: 'graphql-armor', plugin: any(plugin), prepared: { kind: 'error-messages' } })),
    // Cache control is on by default and hooks every field resolution; this API sets no
    // cache hints, so it is switched off.
    { name: 'cache control (disabled)', plugin: any(ApolloServerPluginCacheControlDisabled()), prepared: { kind: 'none-per-request', reason: 'disabled' } },
    { name: 'inline tracing (disabled)', plugin: any(ApolloServerPluginInlineTraceDisabled()), prepared: { kind: 'none-per-request', reason: 'disabled' } },
    { name: 'request finished (log line, metrics, span name)', plugin: requestOutcomePlugin(options.finished), prepared: { kind: 'request-finished', finished: options.finished } },
    options.studio
      ? { name: 'Apollo Studio usage reporting', plugin: any(usageReportingPlugin(options.studio)), prepared: { kind: 'usage-reporting' } }
      : { name: 'Apollo Studio usage reporting (disabled)', plugin: any(usageReportingPlugin(null)), prepared: { kind: 'none-per-request', reason: 'disabled' } },
    {
      name: options.studio ? 'Apollo Studio schema reporting' : 'Apollo Studio schema reporting (disabled)',
      plugin: any(schemaReportingPlugin(options.studio)),
      prepared: { kind: 'none-per-request', reason: options.studio ? 'reports the schema at startup' : 'disabled' },
    },
  ];
}

/** The plugins themselves, for ApolloServer's `plugins` option. */
export function apolloPlugins(list: readonly GatewayPlugin[]): Array<ApolloServerPlugin<GraphQLContext>> {
  return list.map((entry) => entry.plugin);
}
