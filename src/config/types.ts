import type { TracingConfig } from './tracing-config';
import type { LogLevel } from './fields';

export type { LogLevel } from './fields';

export type DatabaseConfig =
  | { kind: 'postgres'; url: string }
  | { kind: 'embedded'; dataDir: string };

export type RedisConfig =
  | { kind: 'redis'; url: string }
  | { kind: 'cluster'; nodes: ReadonlyArray<{ host: string; port: number }> }
  | { kind: 'memory' };

/** L1 and L2 settings. */
export interface CacheConfig {
  readonly enabled: boolean;
  readonly l2Enabled: boolean;
  readonly ttlSeconds: number;
  readonly l2TimeoutMs: number;
  readonly keyPrefix: string;
  /** Circuit breaker: after an L2 failure, skip Redis and probe it every this many ms. */
  readonly breakerMs: number;
}

/** The gateway's configuration: every part is built by its section (sections.ts) from the variables it names. */
export interface Config {
  readonly env: 'development' | 'production' | 'test';
  /** `opsPort`: a second port for /health, /ready and /metrics only (AUTHZ_OPS_PORT), or null. */
  readonly http: { readonly host: string; readonly port: number; readonly opsPort: number | null };
  readonly database: Readonly<DatabaseConfig>;
  readonly seedDemoData: boolean;
  readonly redis: Readonly<RedisConfig>;
  readonly cache: CacheConfig;
  /** The keys of the L2 values' MAC (AUTHZ_L2_SIGNING_KEY, _PREVIOUS); null key: a random one for this process only. */
  readonly l2Signing: { readonly key: string | null; readonly previousKey: string | null };
  readonly maxChecks: number;
  readonly logLevel: LogLevel;
  readonly observability: ObservabilityConfig;
  readonly authMode: AuthMode;
  readonly auth: AuthConfig;
  /** Introspection: GRAPHQL_INTROSPECTION, else on outside production. */
  readonly introspection: boolean;
  /** Repeated query texts run compiled, past Apollo's pipeline (GRAPHQL_PREPARED_OPERATIONS; off while Apollo Studio reporting is on). */
  readonly preparedOperations: boolean;
  /** Bound on the decision path of one request (AUTHZ_REQUEST_TIMEOUT_MS). */
  readonly requestTimeoutMs: number;
  /** Admission control: check items in flight per instance, past which requests get 503 OVERLOADED (AUTHZ_MAX_INFLIGHT_CHECKS). */
  readonly maxInflightChecks: number;
  /** Decision work shed while the process is under pressure (AUTHZ_MAX_EVENT_LOOP_DELAY_MS, AUTHZ_MAX_HEAP_USED_MB; 0: off). */
  readonly loadShedding: { readonly maxEventLoopDelayMs: number; readonly maxHeapUsedBytes: number };
  readonly websocket: WebSocketConfig;
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
  /** OpenTelemetry traces (tracing-config.ts; null: off). */
  readonly tracing: TracingConfig | null;
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
