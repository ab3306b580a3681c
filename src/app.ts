import { ApolloServer } from '@apollo/server';
import { PolicyAdmin } from './admin/policy-admin';
import { PolicyChanges } from './admin/policy-changes';
import { PolicyReads } from './admin/policy-reads';
import { MINIMIZE_LATENCY, type ReadRequirement, requirementKey } from './authz/consistency';
import { DecisionService } from './authz/decision-service';
import type { CacheStatus } from './authz/types';
import { createCacheKeys } from './cache/keys';
import { L2Invalidator } from './cache/invalidation';
import { PermissionLoader } from './cache/l1-loader';
import { L2PermissionCache } from './cache/l2-cache';
import { openL2Store, type L2Store } from './cache/l2-store';
import { SingleFlight } from './cache/single-flight';
import type { PermissionSetSource } from './cache/types';
import { type Config, redactedConfig } from './config/config';
import type { GraphQLContext } from './graphql/context';
import { createErrorFormatter } from './graphql/errors';
import { authzExtensionsPlugin } from './graphql/plugins/authz-extensions';
import { resolvers } from './graphql/resolvers';
import { loadTypeDefs } from './graphql/schema';
import { registerConsole } from './http/console';
import { registerRestCompat } from './http/rest-compat';
import { createHttpServer, registerGraphQL } from './http/server';
import { CacheCounts } from './observability/cache-counts';
import type { Logger } from './observability/logger';
import { type Database, openDatabase } from './store/database';
import { DEMO_POLICY } from './store/demo-data';
import { applyMigrations } from './store/migrations/migrations';
import { PostgresPermissionStore } from './store/permission-store';
import { importPolicy } from './store/policy-import';

export interface Gateway {
  /** Base URL, e.g. `http://127.0.0.1:4000`. */
  readonly url: string;
  readonly database: Database;
  readonly l2: L2Store | null;
  readonly invalidator: L2Invalidator | null;
  readonly changes: PolicyChanges;
  /** Stops in reverse order of start: HTTP (draining in-flight requests), Apollo, Redis, database. */
  close(): Promise<void>;
}

export interface GatewayOptions {
  logger: Logger;
  /** Sees the SQL of every statement sent (tests count round trips). */
  onQuery?: (sql: string) => void;
}

const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * The composition root: builds every layer of
 * HTTP -> GraphQL -> decision service -> L1 -> L2 -> single flight -> store,
 * starts them in dependency order and returns a handle that stops them in reverse.
 */
export async function startGateway(config: Config, options: GatewayOptions): Promise<Gateway> {
  const { logger } = options;
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
    const database = await openDatabase(config.database, { onQuery: options.onQuery });
    stops.push({ name: 'database', stop: () => database.close() });
    const applied = await database.withMigrationAdapter(applyMigrations);
    logger.info({ applied, database: database.kind }, applied.length ? 'database migrations applied' : 'database schema up to date');
    if (config.seedDemoData && (await database.prisma.organization.count()) === 0) {
      await importPolicy(database.prisma, DEMO_POLICY);
      logger.info('empty database: loaded the demo organizations (acme, globex)');
    }

    const keys = createCacheKeys(config.cache.keyPrefix);
    const store = new PostgresPermissionStore(database.prisma);
    const singleFlight = new SingleFlight(store, keys, { retainMs: 1_000 });
    let l2: L2Store | null = null;
    let invalidator: L2Invalidator | null = null;
    let source: PermissionSetSource;
    if (config.cache.l2Enabled) {
      l2 = await openL2Store(config.redis, { timeoutMs: config.cache.l2TimeoutMs, logger });
      stops.push({ name: 'l2', stop: () => l2!.close() });
      if (l2.kind === 'memory') logger.warn('REDIS_URL/REDIS_HOST not set: L2 is in this process only (not shared between instances)');
      const cacheOptions = { ttlSeconds: config.cache.ttlSeconds, timeoutMs: config.cache.l2TimeoutMs, logger };
      source = new L2PermissionCache(l2.kv, singleFlight, { keys, ...cacheOptions });
      invalidator = new L2Invalidator(l2.kv, keys, cacheOptions);
    } else {
      source = withStatus(singleFlight, 'DISABLED');
    }
    const decisions = new DecisionService({ maxChecks: config.maxChecks });
    const newLoader = (requirement: ReadRequirement = MINIMIZE_LATENCY) =>
      new PermissionLoader(source, keys, { cache: config.cache.enabled, requirement });
    const changes = new PolicyChanges(database.prisma, invalidator, logger);
    const admin = new PolicyAdmin(changes);
    const reads = new PolicyReads(database.prisma);

    const app = createHttpServer({ bodyLimitBytes: BODY_LIMIT_BYTES });
    const apollo = new ApolloServer<GraphQLContext>({
      typeDefs: loadTypeDefs(),
      resolvers,
      introspection: true,
      // main.ts owns the process signals and stops every layer in order.
      stopOnTerminationSignals: false,
      plugins: [authzExtensionsPlugin()],
      formatError: createErrorFormatter({
        exposeInternals: config.env === 'development',
        onInternalError: (err) => logger.error({ err }, 'GraphQL request failed'),
      }),
    });
    await apollo.start();
    stops.push({ name: 'apollo', stop: () => apollo.stop() });
    registerGraphQL(app, apollo, async (request) => {
      const loaders = new Map<string, PermissionLoader>();
      return {
        traceId: request.id,
        logger: logger.child({ traceId: request.id }),
        actor: 'anonymous',
        decisions,
        loaderFor: (requirement) => {
          const key = requirementKey(requirement);
          let loader = loaders.get(key);
          if (!loader) loaders.set(key, (loader = newLoader(requirement)));
          return loader;
        },
        counts: new CacheCounts(),
        admin,
        reads,
      };
    });
    registerRestCompat(app, { decisions, newReader: () => newLoader(), logger });
    registerConsole(app, { authMode: config.authMode });
    await app.listen({ host: config.http.host, port: config.http.port });
    // Closing Fastify stops accepting and waits for requests in flight (idle keep-alive
    // sockets are dropped at once); Apollo stops after it.
    stops.push({ name: 'http', stop: () => app.close() });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.http.port;
    const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? 'localhost' : config.http.host;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

    return { url, database, l2, invalidator, changes, close: stopAll };
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
