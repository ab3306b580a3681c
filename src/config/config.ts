import { z } from 'zod';

/**
 * Environment -> validated, frozen configuration. This is the only module that reads
 * `process.env`; everything else receives a `Config`.
 */

const bool = (name: string, fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: `${name} must be true or false` })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (name: string, fallback: number, min: number, max: number) =>
  z
    .string()
    .default(String(fallback))
    .refine((v) => /^\d+$/.test(v.trim()), { error: `${name} must be a whole number` })
    .transform((v) => Number(v.trim()))
    .refine((v) => v >= min && v <= max, { error: `${name} must be between ${min} and ${max}` });

const url = (name: string, protocols: string[]) =>
  z
    .string()
    .refine((v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, { error: `${name} must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` })
    .optional();

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test'], { error: 'NODE_ENV must be development, production or test' }).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int('PORT', 4000, 0, 65535),
  DATABASE_URL: url('DATABASE_URL', ['postgres:', 'postgresql:']),
  AUTHZ_DATA_DIR: z.string().min(1).default('.data'),
  // No default here: unset means "on outside production" (demo users must never appear
  // in a real deployment's organizations).
  AUTHZ_DEMO_DATA: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'AUTHZ_DEMO_DATA must be true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .optional(),
  REDIS_URL: url('REDIS_URL', ['redis:', 'rediss:']),
  REDIS_HOST: z
    .string()
    .refine((v) => /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/.test(v), {
      error: 'REDIS_HOST must be a host name or an IP address',
    })
    .optional(),
  REDIS_PORT: int('REDIS_PORT', 6379, 1, 65535),
  REDIS_DB: int('REDIS_DB', 0, 0, 15),
  REDIS_CLUSTER_NODES: z
    .string()
    .refine((v) => v.split(',').every((n) => /^\s*(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}\s*$/.test(n)), {
      error: 'REDIS_CLUSTER_NODES must be a comma-separated list of host:port',
    })
    .optional(),
  AUTHZ_REDIS_KEY_PREFIX: z
    .string()
    .default('')
    .refine((v) => !/[\s]/.test(v), { error: 'AUTHZ_REDIS_KEY_PREFIX must not contain white space' }),
  AUTHZ_CACHE_ENABLED: bool('AUTHZ_CACHE_ENABLED', true),
  AUTHZ_L2_CACHE_ENABLED: bool('AUTHZ_L2_CACHE_ENABLED', true),
  AUTHZ_CACHE_TTL: int('AUTHZ_CACHE_TTL', 300, 1, 86_400),
  AUTHZ_L2_TIMEOUT_MS: int('AUTHZ_L2_TIMEOUT_MS', 50, 1, 10_000),
  AUTHZ_MAX_CHECKS: int('AUTHZ_MAX_CHECKS', 1000, 1, 100_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    error: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
  }).default('info'),
  // Observability (README "Metrics", "Logs", "Apollo Studio").
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty'], { error: 'LOG_FORMAT must be auto, json or pretty' }).default('auto'),
  ENABLE_METRICS: bool('ENABLE_METRICS', true),
  APOLLO_KEY: z.string().optional(),
  APOLLO_GRAPH_REF: z.string().regex(/^[^@\s]+(@[^@\s]+)?$/, { error: 'APOLLO_GRAPH_REF must look like graph-id@variant' }).optional(),
  APOLLO_USAGE_REPORTING_URL: url('APOLLO_USAGE_REPORTING_URL', ['http:', 'https:']),
  APOLLO_SCHEMA_REPORTING_URL: url('APOLLO_SCHEMA_REPORTING_URL', ['http:', 'https:']),
  AUTH_MODE: z
    .string()
    .default('none')
    .transform((v) => v.split(',').map((m) => m.trim()).filter(Boolean).sort().join(','))
    .refine((v) => ['none', 'apikey', 'jwt', 'apikey,jwt'].includes(v), { error: 'AUTH_MODE must be none, apikey, jwt or apikey,jwt' }),
  // Security (issue 5): see README "Callers" and "Hardening".
  AUTH_JWT_SECRET: z.string().min(32, { error: 'AUTH_JWT_SECRET must be at least 32 characters (HS256)' }).optional(),
  AUTH_JWT_JWKS_URL: url('AUTH_JWT_JWKS_URL', ['https:', 'http:']),
  AUTH_JWT_ISSUER: z.string().optional(),
  AUTH_JWT_AUDIENCE: z.string().optional(),
  METRICS_TOKEN: z.string().min(16, { error: 'METRICS_TOKEN must be at least 16 characters' }).optional(),
  // No default: unset means "on outside production".
  GRAPHQL_INTROSPECTION: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'GRAPHQL_INTROSPECTION must be true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .optional(),
  GRAPHQL_PREPARED_OPERATIONS: bool('GRAPHQL_PREPARED_OPERATIONS', true),
  AUTHZ_REQUEST_TIMEOUT_MS: int('AUTHZ_REQUEST_TIMEOUT_MS', 2000, 10, 60_000),
  AUTHZ_L2_BREAKER_MS: int('AUTHZ_L2_BREAKER_MS', 500, 10, 60_000),
  // GraphQL subscriptions over WebSocket (docs/subscriptions.md).
  AUTHZ_WS_ENABLED: bool('AUTHZ_WS_ENABLED', true),
  AUTHZ_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: int('AUTHZ_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION', 100, 1, 100_000),
  AUTHZ_WS_MAX_SUBSCRIPTIONS: int('AUTHZ_WS_MAX_SUBSCRIPTIONS', 50_000, 1, 10_000_000),
  AUTHZ_WS_MAX_CONNECTIONS: int('AUTHZ_WS_MAX_CONNECTIONS', 20_000, 1, 10_000_000),
  AUTHZ_WS_MAX_MESSAGE_BYTES: int('AUTHZ_WS_MAX_MESSAGE_BYTES', 16_384, 1_024, 16_777_216),
  AUTHZ_WS_INIT_TIMEOUT_MS: int('AUTHZ_WS_INIT_TIMEOUT_MS', 5_000, 100, 600_000),
  AUTHZ_WS_PING_MS: int('AUTHZ_WS_PING_MS', 12_000, 100, 600_000),
  AUTHZ_WS_AUTH_RECHECK_MS: int('AUTHZ_WS_AUTH_RECHECK_MS', 30_000, 100, 3_600_000),
});

export type DatabaseConfig =
  | { kind: 'postgres'; url: string }
  | { kind: 'embedded'; dataDir: string };

export type RedisConfig =
  | { kind: 'redis'; url: string }
  | { kind: 'cluster'; nodes: ReadonlyArray<{ host: string; port: number }> }
  | { kind: 'memory' };

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly http: { readonly host: string; readonly port: number };
  readonly database: Readonly<DatabaseConfig>;
  readonly seedDemoData: boolean;
  readonly redis: Readonly<RedisConfig>;
  readonly cache: {
    readonly enabled: boolean;
    readonly l2Enabled: boolean;
    readonly ttlSeconds: number;
    readonly l2TimeoutMs: number;
    readonly keyPrefix: string;
    /** Circuit breaker: after an L2 failure, skip Redis and probe it every this many ms. */
    readonly breakerMs: number;
  };
  readonly maxChecks: number;
  readonly logLevel: string;
  readonly observability: ObservabilityConfig;
  readonly authMode: AuthMode;
  readonly auth: AuthConfig;
  /** Introspection: GRAPHQL_INTROSPECTION, else on outside production. */
  readonly introspection: boolean;
  /** Repeated query texts run compiled, past Apollo's pipeline (GRAPHQL_PREPARED_OPERATIONS; off while Apollo Studio reporting is on). */
  readonly preparedOperations: boolean;
  /** Bound on the decision path of one request (AUTHZ_REQUEST_TIMEOUT_MS). */
  readonly requestTimeoutMs: number;
  readonly websocket: WebSocketConfig;
}

/** GraphQL subscriptions over WebSocket on /graphql (docs/subscriptions.md). */
export interface WebSocketConfig {
  /** AUTHZ_WS_ENABLED: accept WebSocket upgrades on /graphql. */
  readonly enabled: boolean;
  /** AUTHZ_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION */
  readonly maxSubscriptionsPerConnection: number;
  /** AUTHZ_WS_MAX_SUBSCRIPTIONS: on this instance. */
  readonly maxSubscriptions: number;
  /** AUTHZ_WS_MAX_CONNECTIONS: on this instance. */
  readonly maxConnections: number;
  /** AUTHZ_WS_MAX_MESSAGE_BYTES: the largest message a client may send (larger: closed with 1009). */
  readonly maxMessageBytes: number;
  /** AUTHZ_WS_INIT_TIMEOUT_MS: time to send connection_init (else closed with 4408). */
  readonly initTimeoutMs: number;
  /** AUTHZ_WS_PING_MS: ping every this many ms; no pong within as long ends the socket. */
  readonly pingMs: number;
  /** AUTHZ_WS_AUTH_RECHECK_MS: how often a connection's credentials are checked again. */
  readonly authRecheckMs: number;
}

export type AuthMode = 'none' | 'apikey' | 'jwt' | 'apikey,jwt';

export interface JwtConfig {
  readonly secret: string | null;
  readonly jwksUrl: string | null;
  readonly issuer: string;
  readonly audience: string;
}

export interface AuthConfig {
  readonly apiKeys: boolean;
  readonly jwt: JwtConfig | null;
  /** Bearer token for /ready and /metrics; null leaves them open. */
  readonly metricsToken: string | null;
}

/** Logs, metrics and Apollo Studio reporting (null: nothing is sent to Apollo). */
export interface ObservabilityConfig {
  /** `auto`: pino-pretty in development on a terminal when installed, JSON lines otherwise. */
  readonly logFormat: 'auto' | 'json' | 'pretty';
  readonly metricsEnabled: boolean;
  readonly apollo: { readonly key: string; readonly graphRef: string; readonly usageReportingUrl?: string; readonly schemaReportingUrl?: string } | null;
}

/** A configuration error that names every offending variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment once. Empty strings count as unset, so `FOO=` in a `.env`
 * file means "use the default".
 * @throws ConfigError naming each bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${String(i.path[0] ?? '')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems = securityProblems(e);
  if (problems.length > 0) throw new ConfigError(problems);
  const redis: RedisConfig = e.REDIS_CLUSTER_NODES
    ? { kind: 'cluster', nodes: parseClusterNodes(e.REDIS_CLUSTER_NODES) }
    : e.REDIS_URL
    ? { kind: 'redis', url: e.REDIS_URL }
    : e.REDIS_HOST
      ? { kind: 'redis', url: `redis://${e.REDIS_HOST.includes(':') && !e.REDIS_HOST.startsWith('[') ? `[${e.REDIS_HOST}]` : e.REDIS_HOST}:${e.REDIS_PORT}/${e.REDIS_DB}` }
      : { kind: 'memory' };
  if (Boolean(e.APOLLO_KEY) !== Boolean(e.APOLLO_GRAPH_REF)) {
    throw new ConfigError(['APOLLO_KEY, APOLLO_GRAPH_REF: set both to report to Apollo Studio, or neither']);
  }
  return deepFreeze({
    env: e.NODE_ENV,
    http: { host: e.HOST, port: e.PORT },
    database: e.DATABASE_URL ? { kind: 'postgres', url: e.DATABASE_URL } : { kind: 'embedded', dataDir: e.AUTHZ_DATA_DIR },
    seedDemoData: e.AUTHZ_DEMO_DATA ?? e.NODE_ENV !== 'production',
    redis,
    cache: {
      enabled: e.AUTHZ_CACHE_ENABLED,
      l2Enabled: e.AUTHZ_CACHE_ENABLED && e.AUTHZ_L2_CACHE_ENABLED,
      ttlSeconds: e.AUTHZ_CACHE_TTL,
      l2TimeoutMs: e.AUTHZ_L2_TIMEOUT_MS,
      keyPrefix: e.AUTHZ_REDIS_KEY_PREFIX,
      breakerMs: e.AUTHZ_L2_BREAKER_MS,
    },
    maxChecks: e.AUTHZ_MAX_CHECKS,
    logLevel: e.LOG_LEVEL,
    observability: {
      logFormat: e.LOG_FORMAT,
      metricsEnabled: e.ENABLE_METRICS,
      apollo: e.APOLLO_KEY && e.APOLLO_GRAPH_REF
        ? { key: e.APOLLO_KEY, graphRef: e.APOLLO_GRAPH_REF, usageReportingUrl: e.APOLLO_USAGE_REPORTING_URL, schemaReportingUrl: e.APOLLO_SCHEMA_REPORTING_URL }
        : null,
    },
    authMode: e.AUTH_MODE as AuthMode,
    auth: {
      apiKeys: e.AUTH_MODE.includes('apikey'),
      jwt: e.AUTH_MODE.includes('jwt')
        ? { secret: e.AUTH_JWT_SECRET ?? null, jwksUrl: e.AUTH_JWT_JWKS_URL ?? null, issuer: e.AUTH_JWT_ISSUER!, audience: e.AUTH_JWT_AUDIENCE! }
        : null,
      metricsToken: e.METRICS_TOKEN ?? null,
    },
    introspection: e.GRAPHQL_INTROSPECTION ?? e.NODE_ENV !== 'production',
    preparedOperations: e.GRAPHQL_PREPARED_OPERATIONS,
    requestTimeoutMs: e.AUTHZ_REQUEST_TIMEOUT_MS,
    websocket: {
      enabled: e.AUTHZ_WS_ENABLED,
      maxSubscriptionsPerConnection: e.AUTHZ_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
      maxSubscriptions: e.AUTHZ_WS_MAX_SUBSCRIPTIONS,
      maxConnections: e.AUTHZ_WS_MAX_CONNECTIONS,
      maxMessageBytes: e.AUTHZ_WS_MAX_MESSAGE_BYTES,
      initTimeoutMs: e.AUTHZ_WS_INIT_TIMEOUT_MS,
      pingMs: e.AUTHZ_WS_PING_MS,
      authRecheckMs: e.AUTHZ_WS_AUTH_RECHECK_MS,
    },
  });
}

/** Rules across variables: what a mode needs, and what production refuses. */
function securityProblems(e: z.infer<typeof envSchema>): string[] {
  const problems: string[] = [];
  if (e.AUTH_MODE === 'none' && e.NODE_ENV === 'production') {
    problems.push('AUTH_MODE: none (no authentication) is refused when NODE_ENV=production; use apikey, jwt or apikey,jwt');
  }
  if (e.AUTH_MODE.includes('jwt')) {
    if (!e.AUTH_JWT_SECRET === !e.AUTH_JWT_JWKS_URL) problems.push('AUTH_JWT_SECRET / AUTH_JWT_JWKS_URL: AUTH_MODE includes jwt, so set exactly one of them');
    if (!e.AUTH_JWT_ISSUER) problems.push('AUTH_JWT_ISSUER: required when AUTH_MODE includes jwt');
    if (!e.AUTH_JWT_AUDIENCE) problems.push('AUTH_JWT_AUDIENCE: required when AUTH_MODE includes jwt');
  }
  return problems;
}

/** The configuration as it may be logged: credentials in URLs are masked. */
export function redactedConfig(config: Config): unknown {
  const mask = (value: string) => {
    try {
      const u = new URL(value);
      if (u.password) u.password = '***';
      for (const name of [...u.searchParams.keys()]) {
        if (/pass|secret|token|key/i.test(name)) u.searchParams.set(name, '***');
      }
      return u.toString();
    } catch {
      return '***';
    }
  };
  return {
    ...config,
    database: config.database.kind === 'postgres' ? { kind: 'postgres', url: mask(config.database.url) } : config.database,
    redis: config.redis.kind === 'redis' ? { kind: 'redis', url: mask(config.redis.url) } : config.redis,
    observability: { ...config.observability, apollo: config.observability.apollo && { ...config.observability.apollo, key: '***' } },
    auth: {
      ...config.auth,
      jwt: config.auth.jwt && { ...config.auth.jwt, secret: config.auth.jwt.secret && '***' },
      metricsToken: config.auth.metricsToken && '***',
    },
  };
}

/** `host:port,host:port` (IPv6 hosts in brackets) -> seed nodes of a Redis Cluster. */
function parseClusterNodes(value: string): Array<{ host: string; port: number }> {
  return value.split(',').map((node) => {
    const text = node.trim();
    const colon = text.lastIndexOf(':');
    return { host: text.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(text.slice(colon + 1)) };
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
