import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginSchemaReportingDisabled, ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginSchemaReporting } from '@apollo/server/plugin/schemaReporting';
import { ApolloServerPluginUsageReporting } from '@apollo/server/plugin/usageReporting';
import type { ObservabilityConfig } from '../../config/config';

/**
 * Apollo Studio usage reporting, only with APOLLO_KEY and APOLLO_GRAPH_REF. Reports
 * carry operation shapes and timings, never variable values or headers, and errors
 * masked (Apollo's defaults, stated here so a version change cannot widen them).
 * Without them the plugin is installed *disabled*: Apollo Server would otherwise decide
 * on its own from `process.env`, and warn about a half-set configuration.
 */
export function usageReportingPlugin(apollo: ObservabilityConfig['apollo']): ApolloServerPlugin {
  if (!apollo) return ApolloServerPluginUsageReportingDisabled();
  return ApolloServerPluginUsageReporting({
    endpointUrl: apollo.usageReportingUrl,
    sendVariableValues: { none: true },
    sendHeaders: { none: true },
    sendErrors: { masked: true },
  });
}

/** Apollo Studio schema reporting (at startup), with the same condition; disabled without it. */
export function schemaReportingPlugin(apollo: ObservabilityConfig['apollo']): ApolloServerPlugin {
  return apollo ? ApolloServerPluginSchemaReporting({ endpointUrl: apollo.schemaReportingUrl }) : ApolloServerPluginSchemaReportingDisabled();
}

/** The `apollo` option of ApolloServer: the values config/ parsed (and validated as a pair). */
export function apolloGraphConfig(apollo: ObservabilityConfig['apollo']): { key?: string; graphRef?: string } {
  return apollo ? { key: apollo.key, graphRef: apollo.graphRef } : {};
}
