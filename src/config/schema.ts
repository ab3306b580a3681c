import { z } from 'zod';
import { textDefaults } from './defaults';
import { bool, int, logLevel, optionalBool, optionalInt, url } from './fields';
import { tracingEnvSchema } from './tracing-config';

/**
 * Every environment variable the gateway reads, one per line: its parser, default and
 * error message (which names the variable). Which part of the configuration reads
 * which variables is in sections.ts; docs/configuration.md documents each one.
 * Empty strings are removed before parsing, so an empty value means the default.
 */
export const envSchema = z.object({
  // --- process, HTTP
  NODE_ENV: z.enum(['development', 'production', 'test'], { error: 'NODE_ENV must be development, production or test' }).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int('PORT', 4000, 0, 65535),
  AUTHZ_OPS_PORT: optionalInt('AUTHZ_OPS_PORT', 0, 65535),
  // --- database
  DATABASE_URL: url('DATABASE_URL', ['postgres:', 'postgresql:']),
  AUTHZ_DATA_DIR: z.string().min(1).default('.data'),
  // No default here: unset means "on outside production" (demo users must never appear
  // in a real deployment's organizations).
  AUTHZ_DEMO_DATA: optionalBool('AUTHZ_DEMO_DATA'),
  // --- Redis (L2)
  REDIS_URL: url('REDIS_URL', ['redis:', 'rediss:']),
  REDIS_HOST: z
    .string()
    .refine((v) => /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/.test(v), { error: 'REDIS_HOST must be a host name or an IP address' })
    .optional(),
  REDIS_PORT: int('REDIS_PORT', 6379, 1, 65535),
  REDIS_DB: int('REDIS_DB', 0, 0, 15),
  REDIS_CLUSTER_NODES: z
    .string()
    .refine((v) => v.split(',').every((n) => /^\s*(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}\s*$/.test(n)), { error: 'REDIS_CLUSTER_NODES must be a comma-separated list of host:port' })
    .optional(),
  // --- caches
  AUTHZ_REDIS_KEY_PREFIX: z.string().default('').refine((v) => !/[\s]/.test(v), { error: 'AUTHZ_REDIS_KEY_PREFIX must not contain white space' }),
  AUTHZ_CACHE_ENABLED: bool('AUTHZ_CACHE_ENABLED', true),
  AUTHZ_L2_CACHE_ENABLED: bool('AUTHZ_L2_CACHE_ENABLED', true),
  AUTHZ_CACHE_TTL: int('AUTHZ_CACHE_TTL', 300, 1, 86_400),
  AUTHZ_L2_TIMEOUT_MS: int('AUTHZ_L2_TIMEOUT_MS', 50, 1, 10_000),
  AUTHZ_L2_BREAKER_MS: int('AUTHZ_L2_BREAKER_MS', 500, 10, 60_000),
  AUTHZ_L2_SIGNING_KEY: z.string().min(32, { error: 'AUTHZ_L2_SIGNING_KEY must be at least 32 characters (e.g. openssl rand -base64 32)' }).optional(),
  AUTHZ_L2_SIGNING_KEY_PREVIOUS: z.string().min(32, { error: 'AUTHZ_L2_SIGNING_KEY_PREVIOUS must be at least 32 characters' }).optional(),
  // --- decisions
  AUTHZ_MAX_CHECKS: int('AUTHZ_MAX_CHECKS', 1000, 1, 100_000),
  AUTHZ_MAX_INFLIGHT_CHECKS: int('AUTHZ_MAX_INFLIGHT_CHECKS', 10_000, 1, 10_000_000),
  AUTHZ_MAX_EVENT_LOOP_DELAY_MS: int('AUTHZ_MAX_EVENT_LOOP_DELAY_MS', 1000, 0, 60_000),
  AUTHZ_MAX_HEAP_USED_MB: int('AUTHZ_MAX_HEAP_USED_MB', 0, 0, 1_000_000),
  AUTHZ_REQUEST_TIMEOUT_MS: int('AUTHZ_REQUEST_TIMEOUT_MS', 2000, 10, 60_000),
  // --- logs, metrics, Apollo Studio
  LOG_LEVEL: logLevel('LOG_LEVEL', 'info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty'], { error: 'LOG_FORMAT must be auto, json or pretty' }).default('auto'),
  ENABLE_METRICS: bool('ENABLE_METRICS', true),
  APOLLO_KEY: z.string().optional(),
  APOLLO_GRAPH_REF: z.string().regex(/^[^@\s]+(@[^@\s]+)?$/, { error: 'APOLLO_GRAPH_REF must look like graph-id@variant' }).optional(),
  APOLLO_USAGE_REPORTING_URL: url('APOLLO_USAGE_REPORTING_URL', ['http:', 'https:']),
  APOLLO_SCHEMA_REPORTING_URL: url('APOLLO_SCHEMA_REPORTING_URL', ['http:', 'https:']),
  // --- callers
  AUTH_MODE: z
    .string()
    .default('none')
    .transform((v) => v.split(',').map((m) => m.trim()).filter(Boolean).sort().join(','))
    .refine((v) => ['none', 'apikey', 'jwt', 'apikey,jwt'].includes(v), { error: 'AUTH_MODE must be none, apikey, jwt or apikey,jwt' }),
  AUTH_JWT_SECRET: z.string().min(32, { error: 'AUTH_JWT_SECRET must be at least 32 characters (HS256)' }).optional(),
  AUTH_JWT_JWKS_URL: url('AUTH_JWT_JWKS_URL', ['https:', 'http:']),
  AUTH_JWT_ISSUER: z.string().optional(),
  AUTH_JWT_AUDIENCE: z.string().optional(),
  METRICS_TOKEN: z.string().min(16, { error: 'METRICS_TOKEN must be at least 16 characters' }).optional(),
  // --- GraphQL
  // No default: unset means "on outside production".
  GRAPHQL_INTROSPECTION: optionalBool('GRAPHQL_INTROSPECTION'),
  GRAPHQL_PREPARED_OPERATIONS: bool('GRAPHQL_PREPARED_OPERATIONS', true),
  // --- GraphQL subscriptions over WebSocket (docs/subscriptions.md)
  AUTHZ_WS_ENABLED: bool('AUTHZ_WS_ENABLED', true),
  AUTHZ_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: int('AUTHZ_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION', 100, 1, 100_000),
  AUTHZ_WS_MAX_SUBSCRIPTIONS: int('AUTHZ_WS_MAX_SUBSCRIPTIONS', 50_000, 1, 10_000_000),
  AUTHZ_WS_MAX_CONNECTIONS: int('AUTHZ_WS_MAX_CONNECTIONS', 20_000, 1, 10_000_000),
  AUTHZ_WS_MAX_MESSAGE_BYTES: int('AUTHZ_WS_MAX_MESSAGE_BYTES', 16_384, 1_024, 16_777_216),
  AUTHZ_WS_INIT_TIMEOUT_MS: int('AUTHZ_WS_INIT_TIMEOUT_MS', 5_000, 100, 600_000),
  AUTHZ_WS_PING_MS: int('AUTHZ_WS_PING_MS', 30_000, 100, 600_000),
  AUTHZ_WS_AUTH_RECHECK_MS: int('AUTHZ_WS_AUTH_RECHECK_MS', 30_000, 100, 3_600_000),
  // --- OpenTelemetry traces: the SDK's standard variables (tracing-config.ts)
}).extend(tracingEnvSchema.shape);

/** The parsed environment. */
export type Env = z.output<typeof envSchema>;

/** A variable's name. */
export type EnvName = keyof Env;

/** The names of every variable the gateway reads, in the schema's order. */
export const ENV_NAMES = Object.keys(envSchema.shape) as EnvName[];

/** Each variable's default as written in the environment; absent: no default. */
export const ENV_DEFAULTS = textDefaults(envSchema.shape);
