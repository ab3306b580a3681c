import type { ApolloServerPlugin } from '@apollo/server';
import type { ObservabilityConfig } from '../../config/config';
import type { GraphQLContext } from '../context';
import { apolloReportingPlugins } from './apollo-reporting';
import { type LogRequest, requestLogPlugin } from './request-log';
import { type RecordRequest, requestMetricsPlugin } from './request-metrics';

/** The observability plugins, in order: request log line, request metrics, Apollo Studio reporting (or its explicit absence). */
export function observabilityPlugins(logRequest: LogRequest, recordRequest: RecordRequest, config: ObservabilityConfig): Array<ApolloServerPlugin<GraphQLContext>> {
  // Apollo's reporting plugins are typed for any context; they read none of ours.
  const reporting = apolloReportingPlugins(config.apollo) as Array<ApolloServerPlugin<GraphQLContext>>;
  return [requestLogPlugin(logRequest), requestMetricsPlugin(recordRequest), ...reporting];
}
