import { ApolloServer } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { PolicyAdmin } from './admin/policy-admin';
import { PolicyChanges } from './admin/policy-changes';
import { PolicyReads } from './admin/policy-reads';
import { ApiKeyStore } from './auth/api-key-store';
import { Authenticator } from './auth/authenticator';
import { JwtVerifier } from './auth/jwt-verifier';
import { DecisionService } from './authz/decision-service';
import { WhoCanService } from './authz/who-can';
import { buildDecisionChain } from './composition/decision-chain';
import { openConfiguredDatabase } from './composition/database';
import { Lifecycle } from './composition/lifecycle';
import { type Config, redactedConfig } from './config/config';
import { type GraphQLContext, RequestContext, type SharedContext, TracedServices } from './graphql/context';
import { authenticateGraphQLRequest } from './graphql/caller';
import { createErrorFormatter } from './graphql/errors';
import { hardenedApolloOptions } from './graphql/hardening';
import { apolloPlugins, gatewayPlugins } from './graphql/plugin-list/apollo-plugins';
import { apolloGraphConfig } from './graphql/plugins/apollo-reporting';
import { logAndRecordRequest } from './graphql/plugins/observability';
import { requestLogWriter } from './graphql/plugins/request-log';
import { requestMetricsRecorder } from './graphql/plugins/request-metrics';
import { OperationCache } from './graphql/prepared/operation-cache';
import { PreparedPath } from './graphql/prepared/prepared-path';
import { resolvers } from './graphql/resolvers';
import { loadTypeDefs } from './graphql/schema';
import { Admission } from './http/admission';
import { registerLoadShedding } from './http/load-shedding';
import { listenOps } from './http/ops-listener';
import { registerConsole } from './http/console';
import { registerRestCompat, REST_CHECK_PATH } from './http/rest-compat';
import { createHttpServer, registerGraphQL } from './http/server';
import { bearerGuard } from './http/bearer-guard';
import { registerMetrics, registerReady } from './http/ops-routes';
import { decisionMetrics } from './observability/decision-metrics';
import { createMetrics, registerComponentMetrics } from './observability/metrics';
import { probeReadiness } from './observability/readiness-probe';
import { UsageReporter } from './observability/studio/usage-reporter';
import { annotateRequestSpan } from './graphql/plugins/request-span-name';
import { ExportFailureLog } from './observability/tracing/export-failure-log';
import { requestTrace, traceGraphQLRequests } from './observability/tracing/request-span';
import { Tracing } from './observability/tracing/tracing';
import type { Logger } from './observability/logger';
import type { Database } from './store/database';
import { DEMO_POLICY } from './store/demo-data';
import { WhoCanStore } from './store/who-can-store';
import { importPolicy } from './store/policy-import';
import { loadCurrentSet } from './subscriptions/current-set';
import { SubscriptionHub } from './subscriptions/subscription-hub';
import { serveGraphQLWebSocket } from './subscriptions/ws-server';
import { Subscription } from './graphql/resolvers/subscription';
import { Registry } from 'prom-client';

export interface Gateway {
  /** Base URL, e.g. `http://127.0.0.1:4000`. */
  readonly url: string;
  /** Base URL of the operations port (AUTHZ_OPS_PORT), or null without one. */
  readonly opsUrl: string | null;
  readonly database: Database;
  /** Stops in reverse order of start: HTTP (draining in-flight requests), Apollo, Redis, database. */
  close(): Promise<void>;
}

export interface GatewayOptions {
  logger: Logger;
  /** Sees the SQL of every statement sent (tests count round trips). */
  onQuery?: (sql: string) => void;
  /** The metrics registry (main.ts shares it with the logger's event counter); default: a new one. */
  registry?: Registry;
}

const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * The gateway process's composition root: HTTP -> GraphQL -> decision service, over the
 * decision chain built by src/composition/decision-chain.ts (L1 -> deadline -> breaker
 * -> L2 -> single flight -> store). Starts every part in dependency order and returns a
 * handle that stops them in reverse.
 */
export async function startGateway(config: Config, options: GatewayOptions): Promise<Gateway> {
  const { logger } = options;
  const registry = options.registry ?? new Registry();
  const metrics = createMetrics(registry);
  logger.info({ config: redactedConfig(config) }, 'starting authz-gateway');
  const lifecycle = new Lifecycle(logger);
  const stopAll = () => lifecycle.stopAll();

  try {
    // OpenTelemetry (off: null, and no layer below is wrapped). Stopped last, so the
    // spans of the final requests are exported. Dropped spans are counted; why the
    // collector did not take a batch is logged too (at most once a minute), and when
    // it takes them again.
    const exportFailures = new ExportFailureLog(logger);
    const tracing = config.observability.tracing
      ? new Tracing(
          config.observability.tracing,
          (count, reason, cause) => {
            metrics.traceSpansDropped.inc({ reason }, count);
            if (cause !== undefined) exportFailures.failed(count, cause);
          },
          (err) => logger.error({ err, event: 'authz_trace_export_failed' }, 'span export worker failed: spans are dropped (and counted) until restart'),
          () => exportFailures.exported(),
        )
      : null;
    if (tracing) lifecycle.add('tracing', () => tracing.shutdown());
    const { database, applied } = await openConfiguredDatabase(config.database, { onQuery: options.onQuery });
    lifecycle.add('database', () => database.close());
    logger.info({ applied, database: database.kind }, applied.length ? 'database migrations applied' : 'database schema up to date');
    if (config.seedDemoData && (await database.prisma.organization.count()) === 0) {
      await importPolicy(database.prisma, DEMO_POLICY);
      logger.info('empty database: loaded the demo organizations (acme, globex)');
    }

    const chain = await buildDecisionChain(config, { database, metrics, logger, tracing, lifecycle });
    const { newLoader, feed } = chain;
    const decisionOptions = { maxChecks: config.maxChecks, onAnswer: decisionMetrics(metrics) };
    const decisions = new DecisionService(decisionOptions);
    const changes = new PolicyChanges(database.prisma, chain.gate);
    const admin = new PolicyAdmin(changes);
    const reads = new PolicyReads(database.prisma);
    const whoCan = new WhoCanService(new WhoCanStore(database.prisma));
    if (config.authMode === 'none') {
      logger.warn({ event: 'authz_auth_disabled' }, 'AUTH_MODE=none: NO AUTHENTICATION, every caller may ask anything (development only; refused in production)');
    }
    const authenticator = new Authenticator(config.authMode, {
      apiKeys: config.auth.apiKeys ? new ApiKeyStore(database.prisma) : null,
      jwt: config.auth.jwt ? new JwtVerifier(config.auth.jwt) : null,
      logger,
    });

    const app = createHttpServer({ bodyLimitBytes: BODY_LIMIT_BYTES, logger });
    const { plugins: armorPlugins, ...hardening } = hardenedApolloOptions({
      introspection: config.introspection,
      blockFieldSuggestions: config.env === 'production',
      includeStacktrace: config.env === 'development',
    });
    // One executable schema for Apollo and the prepared path.
    const schema = makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers: [resolvers, { Subscription }] });
    const formatError = createErrorFormatter({
      exposeInternals: config.env === 'development',
      onInternalError: (err) => logger.error({ err }, 'GraphQL request failed'),
    });
    const logged = logAndRecordRequest(requestLogWriter(logger), requestMetricsRecorder(metrics));
    const finished = tracing ? annotateRequestSpan(logged) : logged;
    // One plugin list for Apollo and the prepared path (which refuses any it cannot reproduce).
    const plugins = gatewayPlugins({ armor: armorPlugins, finished, studio: config.observability.apollo });
    const apollo = new ApolloServer<GraphQLContext>({
      schema,
      ...hardening,
      apollo: apolloGraphConfig(config.observability.apollo),
      logger: logger.child({ component: 'apollo' }),
      // main.ts owns the process signals and stops every layer in order.
      stopOnTerminationSignals: false,
      plugins: apolloPlugins(plugins),
      formatError,
    });
    // Apollo Studio: Apollo's plugin reports what Apollo runs, this reporter what the
    // prepared path answers (the same reports; flushed when stopped, after HTTP).
    const studio = config.observability.apollo;
    const usage = config.preparedOperations && studio
      ? new UsageReporter({ key: studio.key, graphRef: studio.graphRef, endpointUrl: studio.usageReportingUrl, schema, logger: logger.child({ component: 'apollo-usage' }) })
      : undefined;
    if (usage) lifecycle.add('apollo usage reporting (prepared path)', () => usage.stop());
    const prepared = config.preparedOperations
      ? await PreparedPath.create({
          operations: new OperationCache({ schema, validationRules: hardening.validationRules, parseOptions: hardening.parseOptions ?? {} }),
          formatError,
          includeStacktrace: hardening.includeStacktraceInErrorResponses ?? false,
          plugins,
          usage,
        })
      : undefined;
    const probe = () => probeReadiness({ database, l2: chain.l2 && { kind: chain.l2.kind, ping: () => chain.l2!.client.ping() }, cacheEnabled: config.cache.enabled, timeoutMs: 1_000 });
    const opsGuard = bearerGuard(config.auth.metricsToken);
    registerReady(app, probe, opsGuard);
    registerComponentMetrics(registry, probe);
    if (config.observability.metricsEnabled) registerMetrics(app, registry, opsGuard);
    await apollo.start();
    lifecycle.add('apollo', () => apollo.stop());
    const shared: SharedContext = { decisions, admin, reads, whoCan, newLoader };
    const admission = new Admission({
      maxInflightChecks: config.maxInflightChecks,
      retryAfterSeconds: 1,
      onReject: (route) => metrics.admissionRejected.inc({ route }),
    });
    metrics.beforeCollect.push(() => metrics.inflightChecks.set(admission.current));
    await registerLoadShedding(app, {
      ...config.loadShedding,
      retryAfterSeconds: 1,
      routes: { '/graphql': 'graphql', [REST_CHECK_PATH]: 'rest' },
      onShed: (route, reason) => metrics.loadShed.inc({ route, reason }),
    });
    registerGraphQL(app, apollo, async (request) => {
      const caller = await authenticateGraphQLRequest(authenticator, request.headers.authorization, logger, request.id);
      const deadline = chain.newDeadline();
      // A sampled request's trace rides on its own context and source chain (no async context).
      const trace = tracing ? requestTrace(request) : undefined;
      return trace
        ? new RequestContext(request.id, caller, new TracedServices(shared, trace), trace.source(deadline), trace)
        : new RequestContext(request.id, caller, shared, deadline);
    }, prepared, admission, tracing ? traceGraphQLRequests(tracing) : undefined);
    registerRestCompat(app, { decisions, newReader: () => newLoader(), logger, authenticator, admission });
    registerConsole(app, { authMode: config.authMode });
    await app.listen({ host: config.http.host, port: config.http.port });
    // Closing Fastify stops accepting and waits for requests in flight (idle keep-alive
    // sockets are dropped at once); Apollo stops after it.
    lifecycle.add('http', () => app.close());
    const ops = config.http.opsPort === null ? null : await listenOps(app, { host: config.http.host, port: config.http.opsPort });
    if (ops) lifecycle.add('operations port', () => ops.close());
    // Subscriptions over WebSocket on /graphql, fed by the change feed; stopped before
    // HTTP (the stop order is reversed), since open sockets would hold its close.
    if (config.websocket.enabled && feed) {
      const hub = new SubscriptionHub({ load: loadCurrentSet(decisions, (requirement) => newLoader(requirement)), maxSubscriptions: config.websocket.maxSubscriptions, metrics });
      const unlisten = feed.onChanges((changed, seenAt) => hub.changed(changed, seenAt));
      const ws = serveGraphQLWebSocket(app.server, {
        schema,
        validationRules: hardening.validationRules,
        introspection: config.introspection,
        authenticator,
        hub,
        config: config.websocket,
        metrics,
        logger,
        production: config.env === 'production',
      });
      lifecycle.add('websocket', async () => {
        unlisten();
        hub.close();
        await ws.close();
      });
    } else if (config.websocket.enabled) {
      logger.warn('subscriptions are off: they follow the change feed, which runs with the L2 cache (AUTHZ_CACHE_ENABLED and AUTHZ_L2_CACHE_ENABLED)');
    }
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.http.port;
    const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? 'localhost' : config.http.host;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

    return { url, opsUrl: ops?.url ?? null, database, close: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
