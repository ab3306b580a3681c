import type { EnvName, Env } from './schema';
import { tracingConfig, tracingEnvSchema } from './tracing-config';
import type { AuthMode, Config, RedisConfig } from './types';

/**
 * One part of the configuration: the variables it reads and how it is built from them.
 * `build` adds a `NAME: problem` line to `problems` for rules across variables.
 */
export interface Section<T, N extends EnvName = EnvName> {
  readonly variables: readonly N[];
  build(env: Pick<Env, N>, problems: string[]): T;
}

const TRACING_VARIABLES = Object.keys(tracingEnvSchema.shape) as Array<keyof typeof tracingEnvSchema.shape>;

const section = <T, const N extends EnvName>(variables: readonly N[], build: (env: Pick<Env, N>, problems: string[]) => T): Section<T, N> => ({ variables, build });

/**
 * Every part of `Config`, with the variables it reads. A script loads only the parts it
 * uses (`loadSections`), so it validates only their variables; the gateway loads all.
 */
export const SECTIONS: { readonly [K in keyof Config]: Section<Config[K]> } = {
  env: section(['NODE_ENV'], (e) => e.NODE_ENV),
  http: section(['HOST', 'PORT', 'AUTHZ_OPS_PORT'], (e) => ({ host: e.HOST, port: e.PORT, opsPort: e.AUTHZ_OPS_PORT ?? null })),
  database: section(['DATABASE_URL', 'AUTHZ_DATA_DIR'], (e) =>
    e.DATABASE_URL ? { kind: 'postgres', url: e.DATABASE_URL } : { kind: 'embedded', dataDir: e.AUTHZ_DATA_DIR },
  ),
  seedDemoData: section(['NODE_ENV', 'AUTHZ_DEMO_DATA'], (e) => e.AUTHZ_DEMO_DATA ?? e.NODE_ENV !== 'production'),
  redis: section(['REDIS_CLUSTER_NODES', 'REDIS_URL', 'REDIS_HOST', 'REDIS_PORT', 'REDIS_DB'], (e): RedisConfig => {
    if (e.REDIS_CLUSTER_NODES) return { kind: 'cluster', nodes: parseClusterNodes(e.REDIS_CLUSTER_NODES) };
    if (e.REDIS_URL) return { kind: 'redis', url: e.REDIS_URL };
    if (!e.REDIS_HOST) return { kind: 'memory' };
    const host = e.REDIS_HOST.includes(':') && !e.REDIS_HOST.startsWith('[') ? `[${e.REDIS_HOST}]` : e.REDIS_HOST;
    return { kind: 'redis', url: `redis://${host}:${e.REDIS_PORT}/${e.REDIS_DB}` };
  }),
  cache: section(['AUTHZ_CACHE_ENABLED', 'AUTHZ_L2_CACHE_ENABLED', 'AUTHZ_CACHE_TTL', 'AUTHZ_L2_TIMEOUT_MS', 'AUTHZ_REDIS_KEY_PREFIX', 'AUTHZ_L2_BREAKER_MS'], (e) => ({
    enabled: e.AUTHZ_CACHE_ENABLED,
    l2Enabled: e.AUTHZ_CACHE_ENABLED && e.AUTHZ_L2_CACHE_ENABLED,
    ttlSeconds: e.AUTHZ_CACHE_TTL,
    l2TimeoutMs: e.AUTHZ_L2_TIMEOUT_MS,
    keyPrefix: e.AUTHZ_REDIS_KEY_PREFIX,
    breakerMs: e.AUTHZ_L2_BREAKER_MS,
  })),
  // Only the gateway signs and checks L2 values: scripts that fence versions need no key.
  l2Signing: section(
    ['NODE_ENV', 'AUTHZ_CACHE_ENABLED', 'AUTHZ_L2_CACHE_ENABLED', 'REDIS_CLUSTER_NODES', 'REDIS_URL', 'REDIS_HOST', 'AUTHZ_L2_SIGNING_KEY', 'AUTHZ_L2_SIGNING_KEY_PREVIOUS'],
    (e, problems) => {
      const l2OnRedis = e.AUTHZ_CACHE_ENABLED && e.AUTHZ_L2_CACHE_ENABLED && Boolean(e.REDIS_CLUSTER_NODES || e.REDIS_URL || e.REDIS_HOST);
      if (l2OnRedis && e.NODE_ENV === 'production' && !e.AUTHZ_L2_SIGNING_KEY) {
        problems.push('AUTHZ_L2_SIGNING_KEY: required when NODE_ENV=production and L2 is on Redis (the same secret on every instance; generate one with `openssl rand -base64 32`)');
      }
      if (e.AUTHZ_L2_SIGNING_KEY_PREVIOUS && !e.AUTHZ_L2_SIGNING_KEY) {
        problems.push('AUTHZ_L2_SIGNING_KEY_PREVIOUS: set only together with AUTHZ_L2_SIGNING_KEY (the previous key is accepted on read, never used to sign)');
      }
      return { key: e.AUTHZ_L2_SIGNING_KEY ?? null, previousKey: e.AUTHZ_L2_SIGNING_KEY_PREVIOUS ?? null };
    },
  ),
  maxChecks: section(['AUTHZ_MAX_CHECKS'], (e) => e.AUTHZ_MAX_CHECKS),
  websocket: section(
    ['AUTHZ_WS_ENABLED', 'AUTHZ_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION', 'AUTHZ_WS_MAX_SUBSCRIPTIONS', 'AUTHZ_WS_MAX_CONNECTIONS', 'AUTHZ_WS_MAX_MESSAGE_BYTES', 'AUTHZ_WS_INIT_TIMEOUT_MS', 'AUTHZ_WS_PING_MS', 'AUTHZ_WS_AUTH_RECHECK_MS'],
    (e) => ({
      enabled: e.AUTHZ_WS_ENABLED,
      maxSubscriptionsPerConnection: e.AUTHZ_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
      maxSubscriptions: e.AUTHZ_WS_MAX_SUBSCRIPTIONS,
      maxConnections: e.AUTHZ_WS_MAX_CONNECTIONS,
      maxMessageBytes: e.AUTHZ_WS_MAX_MESSAGE_BYTES,
      initTimeoutMs: e.AUTHZ_WS_INIT_TIMEOUT_MS,
      pingMs: e.AUTHZ_WS_PING_MS,
      authRecheckMs: e.AUTHZ_WS_AUTH_RECHECK_MS,
    }),
  ),
  maxInflightChecks: section(['AUTHZ_MAX_INFLIGHT_CHECKS'], (e) => e.AUTHZ_MAX_INFLIGHT_CHECKS),
  loadShedding: section(['AUTHZ_MAX_EVENT_LOOP_DELAY_MS', 'AUTHZ_MAX_HEAP_USED_MB'], (e) => ({
    maxEventLoopDelayMs: e.AUTHZ_MAX_EVENT_LOOP_DELAY_MS,
    maxHeapUsedBytes: e.AUTHZ_MAX_HEAP_USED_MB * 1024 * 1024,
  })),
  logLevel: section(['LOG_LEVEL'], (e) => e.LOG_LEVEL),
  observability: section(['LOG_FORMAT', 'ENABLE_METRICS', 'APOLLO_KEY', 'APOLLO_GRAPH_REF', 'APOLLO_USAGE_REPORTING_URL', 'APOLLO_SCHEMA_REPORTING_URL', ...TRACING_VARIABLES], (e, problems) => {
    if (Boolean(e.APOLLO_KEY) !== Boolean(e.APOLLO_GRAPH_REF)) problems.push('APOLLO_KEY, APOLLO_GRAPH_REF: set both to report to Apollo Studio, or neither');
    return {
      logFormat: e.LOG_FORMAT,
      metricsEnabled: e.ENABLE_METRICS,
      apollo: e.APOLLO_KEY && e.APOLLO_GRAPH_REF
        ? { key: e.APOLLO_KEY, graphRef: e.APOLLO_GRAPH_REF, usageReportingUrl: e.APOLLO_USAGE_REPORTING_URL, schemaReportingUrl: e.APOLLO_SCHEMA_REPORTING_URL }
        : null,
      tracing: tracingConfig(e),
    };
  }),
  authMode: section(['NODE_ENV', 'AUTH_MODE'], (e, problems) => {
    if (e.AUTH_MODE === 'none' && e.NODE_ENV === 'production') {
      problems.push('AUTH_MODE: none (no authentication) is refused when NODE_ENV=production; use apikey, jwt or apikey,jwt');
    }
    return e.AUTH_MODE as AuthMode;
  }),
  auth: section(['AUTH_MODE', 'AUTH_JWT_SECRET', 'AUTH_JWT_JWKS_URL', 'AUTH_JWT_ISSUER', 'AUTH_JWT_AUDIENCE', 'METRICS_TOKEN'], (e, problems) => {
    const jwt = e.AUTH_MODE.includes('jwt');
    if (jwt) {
      if (!e.AUTH_JWT_SECRET === !e.AUTH_JWT_JWKS_URL) problems.push('AUTH_JWT_SECRET / AUTH_JWT_JWKS_URL: AUTH_MODE includes jwt, so set exactly one of them');
      if (!e.AUTH_JWT_ISSUER) problems.push('AUTH_JWT_ISSUER: required when AUTH_MODE includes jwt');
      if (!e.AUTH_JWT_AUDIENCE) problems.push('AUTH_JWT_AUDIENCE: required when AUTH_MODE includes jwt');
    }
    return {
      apiKeys: e.AUTH_MODE.includes('apikey'),
      jwt: jwt ? { secret: e.AUTH_JWT_SECRET ?? null, jwksUrl: e.AUTH_JWT_JWKS_URL ?? null, issuer: e.AUTH_JWT_ISSUER ?? '', audience: e.AUTH_JWT_AUDIENCE ?? '' } : null,
      metricsToken: e.METRICS_TOKEN ?? null,
    };
  }),
  introspection: section(['NODE_ENV', 'GRAPHQL_INTROSPECTION'], (e) => e.GRAPHQL_INTROSPECTION ?? e.NODE_ENV !== 'production'),
  preparedOperations: section(['GRAPHQL_PREPARED_OPERATIONS'], (e) => e.GRAPHQL_PREPARED_OPERATIONS),
  requestTimeoutMs: section(['AUTHZ_REQUEST_TIMEOUT_MS'], (e) => e.AUTHZ_REQUEST_TIMEOUT_MS),
};

/** `host:port,host:port` (IPv6 hosts in brackets) -> seed nodes of a Redis Cluster. */
function parseClusterNodes(value: string): Array<{ host: string; port: number }> {
  return value.split(',').map((node) => {
    const text = node.trim();
    const colon = text.lastIndexOf(':');
    return { host: text.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(text.slice(colon + 1)) };
  });
}
