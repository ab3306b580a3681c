import { ApolloServer } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { PolicyAdmin } from './admin/policy-admin';
import { PolicyChanges } from './admin/policy-changes';
import { PolicyReads } from './admin/policy-reads';
import { MINIMIZE_LATENCY, type ReadRequirement } from './authz/consistency';
import { ApiKeyStore } from './auth/api-key-store';
import { Authenticator } from './auth/authenticator';
import { JwtVerifier } from './auth/jwt-verifier';
import { DecisionService } from './authz/decision-service';
import { WhoCanService } from './authz/who-can';
import type { CacheStatus } from './authz/types';
import { reportingToBreaker } from './cache/breaker-kv';
import { BreakerSource } from './cache/breaker-source';
import { CircuitBreaker } from './cache/circuit-breaker';
import { coalescedReads } from './cache/coalesced-reads';
import { createCacheKeys } from './cache/keys';
import { RequestDeadlineSource } from './cache/request-deadline';
import { L2Invalidator } from './cache/invalidation';
import { ChangeFeed } from './cache/change-feed';
import { L2ChangeGate } from './cache/change-gate';
import { RevisionFloors } from './cache/revision-floor';
import { PermissionLoader } from './cache/l1-loader';
import { L2PermissionCache } from './cache/l2-cache';
import { L2Values } from './cache/l2-entry';
import { createL2Signer, processSigningKey } from './cache/l2-signing';
import { openL2Store, type L2Store } from './cache/l2-store';
import { SingleFlight } from './cache/single-flight';
import type { PermissionSetSource } from './cache/types';
import { type Config, redactedConfig } from './config/config';
import { type GraphQLContext, RequestContext, type SharedContext } from './graphql/context';
import { authenticateGraphQLRequest } from './graphql/caller';
import { createErrorFormatter } from './graphql/errors';
import { hardenedApolloOptions } from './graphql/hardening';
import { apolloPlugins, gatewayPlugins } from './graphql/apollo-plugins';
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
import { registerComponentMetrics } from './observability/component-metrics';
import { decisionMetrics } from './observability/decision-metrics';
import { meteredKeyv } from './observability/metered-keyv';
import { meteredStore } from './observability/metered-source';
import { l2RejectionReporter } from './observability/l2-rejections';
import { createMetrics } from './observability/metrics';
import { probeReadiness } from './observability/readiness-probe';
import { UsageReporter } from './observability/studio/usage-reporter';
import { annotateRequestSpan, requestTrace, traceGraphQLRequests } from './observability/tracing/request-span';
import { tracedAdmin, tracedDecisions, tracedL2Reads, tracedStore } from './observability/tracing/traced-layers';
import { Tracing } from './observability/tracing/tracing';
import type { Logger } from './observability/logger';
import { type Database, openDatabase } from './store/database';
import { DEMO_POLICY } from './store/demo-data';
import { applyMigrations } from './store/migrations/migrations';
import { listenForChanges, pruneChanges, readChanges } from './store/change-log';
import { PostgresPermissionStore } from './store/permission-store';
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
  readonly l2: L2Store | null;
  readonly invalidator: L2Invalidator | null;
  /** How this instance learns of committed changes (null without L2). */
  readonly feed: ChangeFeed | null;
  readonly changes: PolicyChanges;
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
 * The composition root: builds every layer of
 * HTTP -> GraphQL -> decision service -> L1 -> L2 -> single flight -> store,
 * starts them in dependency order and returns a handle that stops them in reverse.
 */
export async function startGateway(config: Config, options: GatewayOptions): Promise<Gateway> {
  const { logger } = options;
  const registry = options.registry ?? new Registry();
  const metrics = createMetrics(registry);
  logger.info({ config: redactedConfig(config) }, 'starting authz-gateway');
  const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
  const stopAll = async () => {
    for (const { name, stop } of stops.reverse()) {
      await stop().then(
        () => logger.debug({ component: name }, 'stopped'),
        (err: unknown) => logger.error({ err, component: name }, 'error while stopping'),
      );
    }
  };

  try {
    // OpenTelemetry (off: null, and no layer below is wrapped). Stopped last, so the
    // spans of the final requests are exported.
    const tracing = config.observability.tracing
      ? new Tracing(config.observability.tracing, (count, reason) => metrics.traceSpansDropped.inc({ reason }, count))
      : null;
    if (tracing) stops.push({ name: 'tracing', stop: () => tracing.shutdown() });
    const database = await openDatabase(config.database, { onQuery: options.onQuery });
    stops.push({ name: 'database', stop: () => database.close() });
    const applied = await database.withMigrationAdapter(applyMigrations);
    logger.info({ applied, database: database.kind }, applied.length ? 'database migrations applied' : 'database schema up to date');
    if (config.seedDemoData && (await database.prisma.organization.count()) === 0) {
      await importPolicy(database.prisma, DEMO_POLICY);
      logger.info('empty database: loaded the demo organizations (acme, globex)');
    }

    const keys = createCacheKeys(config.cache.keyPrefix);
    const metered = meteredStore(new PostgresPermissionStore(database.prisma), metrics);
    const store = tracing ? tracedStore(metered, tracing) : metered;
    const singleFlight = new SingleFlight(store, keys, { retainMs: 1_000 });
    let l2: L2Store | null = null;
    let invalidator: L2Invalidator | null = null;
    let source: PermissionSetSource;
    let feed: ChangeFeed | null = null;
    if (config.cache.l2Enabled) {
      l2 = await openL2Store(config.redis, { timeoutMs: config.cache.l2TimeoutMs, logger });
      stops.push({ name: 'l2', stop: () => l2!.close() });
      if (l2.kind === 'memory') logger.warn('REDIS_URL/REDIS_HOST not set: L2 is in this process only (not shared between instances)');
      const cacheOptions = { ttlSeconds: config.cache.ttlSeconds, timeoutMs: config.cache.l2TimeoutMs, logger };
      const kv = meteredKeyv(l2.kv, metrics, config.cache.l2TimeoutMs);
      // Redis failures seen by this instance (connection errors, and every breaker probe,
      // which runs only after a failed call): the change feed's fail-closed rule uses it.
      let redisFailures = 0;
      l2.kv.on('error', () => redisFailures++);
      // Redis only: a breaker that skips L2 while Redis fails (memory never fails). Its
      // probe runs only after a failure, so `feed` (built below) exists by then.
      const ping = l2.ping;
      const l2Breaker = l2.kind === 'redis'
        ? new CircuitBreaker({
            windowMs: config.cache.breakerMs,
            timeoutMs: config.cache.l2TimeoutMs,
            logger,
            // Closing the breaker means serving cached sets again: only once Redis answers
            // and has taken again every change of the floor window (it may have restarted
            // from an AOF that lost the last acknowledged writes; the floors hold anyway).
            probe: async () => {
              redisFailures++;
              await ping();
              await feed!.reinvalidateRecent();
            },
          })
        : null;
      if (l2Breaker) stops.push({ name: 'l2 breaker', stop: async () => l2Breaker.stop() });
      // The L2 layer's reads: on Redis, the reads of all requests in one event-loop turn
      // go out as one MGET (coalesced-reads.ts; memory has no round trip to save). The
      // breaker and the metrics sit beneath the coalescing, so they see what Redis sees:
      // one get_many per MGET sent, one failure per failed MGET, one deadline timer per
      // MGET (each request still bounds its own wait in l2-cache.ts). On a cluster the
      // union is then split per node (cluster-batching-store.ts, inside l2.kv).
      const guarded = l2Breaker ? reportingToBreaker(kv, l2Breaker, config.cache.l2TimeoutMs) : kv;
      const reads = l2.kind === 'redis' ? coalescedReads(guarded, { onBatch: (calls) => metrics.l2CoalescedReads.observe(calls) }) : guarded;
      // Invalidations never go through the breaker: a change must try to fence Redis.
      const l2Invalidator = new L2Invalidator(l2.versionWrites, keys, cacheOptions);
      invalidator = l2Invalidator;
      // Committed changes, learned from PostgreSQL (see change-feed.ts). The embedded
      // database has one process: its own commits are all there is.
      const windowMs = 2 * config.cache.ttlSeconds * 1000;
      const dbConfig = config.database;
      feed = new ChangeFeed(new RevisionFloors({ keepMs: windowMs }), {
        read: dbConfig.kind === 'postgres' ? (cursor, window) => readChanges(database.prisma, cursor, window) : undefined,
        listen: dbConfig.kind === 'postgres' ? (onNotify, onDown) => listenForChanges(dbConfig.url, onNotify, onDown) : undefined,
        // A peer's change is settled here if its writer left it pending (see invalidation.ts).
        l2: l2.kind === 'redis' ? { settle: (changes) => l2Invalidator.settle(changes), invalidate: (target) => l2Invalidator.invalidate(target) } : undefined,
        settleDelayMs: 500,
        redisEpoch: l2.kind === 'redis' ? () => redisFailures : undefined,
        windowMs,
        pollMs: 250,
        maxLagMs: 1_000,
        logger,
      });
      const changeFeed = feed;
      await changeFeed.start();
      stops.push({ name: 'change feed', stop: () => changeFeed.stop() });
      if (dbConfig.kind === 'postgres') {
        // The log is needed for one window (cold starts read it); keep a day of it.
        const prune = () => void pruneChanges(database.prisma, Math.max(2 * windowMs, 86_400_000)).catch((err: unknown) => logger.warn({ err }, 'could not prune the change log'));
        prune();
        const pruning = setInterval(prune, 3_600_000).unref();
        stops.push({ name: 'change-log pruning', stop: async () => clearInterval(pruning) });
      }
      // Without AUTHZ_L2_SIGNING_KEY (refused in production on Redis) the key is this
      // process's own: values other instances wrote never verify here, and are misses.
      if (!config.l2Signing.key && l2.kind === 'redis') {
        logger.warn({ event: 'authz_l2_signing_key_generated' }, 'AUTHZ_L2_SIGNING_KEY not set: L2 values are signed with a key of this process only, so instances sharing this Redis do not share L2 hits');
      }
      const values = new L2Values(createL2Signer({ current: config.l2Signing.key ?? processSigningKey(), previous: config.l2Signing.previousKey }));
      const onRejected = l2RejectionReporter(metrics.l2Rejected, logger);
      const l2Reads = tracing ? tracedL2Reads(reads, tracing, l2.kind !== 'memory') : reads;
      const l2Cache = new L2PermissionCache(l2Reads, singleFlight, { keys, ...cacheOptions, setIfAbsent: l2.setIfAbsent, floor: changeFeed, values, onRejected });
      source = l2Breaker ? new BreakerSource(l2Cache, singleFlight, l2Breaker) : l2Cache;
    } else {
      source = withStatus(singleFlight, 'DISABLED');
    }
    const decisionOptions = { maxChecks: config.maxChecks, onAnswer: decisionMetrics(metrics) };
    const decisions = new DecisionService(decisionOptions);
    /** L1 for one request and read requirement, under that request's deadline. */
    const newLoader = (requirement: ReadRequirement = MINIMIZE_LATENCY, deadline: PermissionSetSource = new RequestDeadlineSource(source, config.requestTimeoutMs)) =>
      new PermissionLoader(deadline, keys, { cache: config.cache.enabled, requirement });
    const changes = new PolicyChanges(database.prisma, invalidator || feed ? new L2ChangeGate(invalidator, feed, logger) : null);
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
    if (usage) stops.push({ name: 'apollo usage reporting (prepared path)', stop: () => usage.stop() });
    const prepared = config.preparedOperations
      ? await PreparedPath.create({
          operations: new OperationCache({ schema, validationRules: hardening.validationRules, parseOptions: hardening.parseOptions ?? {} }),
          formatError,
          includeStacktrace: hardening.includeStacktraceInErrorResponses ?? false,
          plugins,
          usage,
        })
      : undefined;
    const probe = () => probeReadiness({ database, l2, cacheEnabled: config.cache.enabled, timeoutMs: 1_000 });
    const opsGuard = bearerGuard(config.auth.metricsToken);
    registerReady(app, probe, opsGuard);
    registerComponentMetrics(registry, probe);
    if (config.observability.metricsEnabled) registerMetrics(app, registry, opsGuard);
    await apollo.start();
    stops.push({ name: 'apollo', stop: () => apollo.stop() });
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
      const deadline = new RequestDeadlineSource(source, config.requestTimeoutMs);
      // A sampled request's trace rides on its own context and source chain (no async context).
      const trace = tracing ? requestTrace(request) : undefined;
      return trace
        ? new RequestContext(request.id, caller, { ...shared, decisions: tracedDecisions(decisions, trace), admin: tracedAdmin(admin, trace) }, trace.source(deadline), trace)
        : new RequestContext(request.id, caller, shared, deadline);
    }, prepared, admission, tracing ? traceGraphQLRequests(tracing) : undefined);
    registerRestCompat(app, { decisions, newReader: () => newLoader(), logger, authenticator, admission });
    registerConsole(app, { authMode: config.authMode });
    await app.listen({ host: config.http.host, port: config.http.port });
    // Closing Fastify stops accepting and waits for requests in flight (idle keep-alive
    // sockets are dropped at once); Apollo stops after it.
    stops.push({ name: 'http', stop: () => app.close() });
    const ops = config.http.opsPort === null ? null : await listenOps(app, { host: config.http.host, port: config.http.opsPort });
    if (ops) stops.push({ name: 'operations port', stop: () => ops.close() });
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
      stops.push({
        name: 'websocket',
        stop: async () => {
          unlisten();
          hub.close();
          await ws.close();
        },
      });
    } else if (config.websocket.enabled) {
      logger.warn('subscriptions are off: they follow the change feed, which runs with the L2 cache (AUTHZ_CACHE_ENABLED and AUTHZ_L2_CACHE_ENABLED)');
    }
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.http.port;
    const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? 'localhost' : config.http.host;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

    return { url, opsUrl: ops?.url ?? null, database, l2, invalidator, feed, changes, close: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The chain without L2: every answer loaded from the store says so. */
function withStatus(next: PermissionSetSource, status: CacheStatus): PermissionSetSource {
  return {
    load: async (requests) => (await next.load(requests)).map((r) => (r instanceof Error ? r : { ...r, status })),
  };
}
