import { ConfigError, loadConfig, redactedConfig, type Config } from '../../../src/config/config';

/** The ConfigError thrown for `env`, or a failure if none is thrown. */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig: defaults', () => {
  it('uses the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      env: 'development',
      http: { host: '127.0.0.1', port: 4000, opsPort: null },
      database: { kind: 'embedded', dataDir: '.data' },
      seedDemoData: true,
      redis: { kind: 'memory' },
      cache: { enabled: true, l2Enabled: true, ttlSeconds: 300, l2TimeoutMs: 50, keyPrefix: '', breakerMs: 500 },
      l2Signing: { key: null, previousKey: null },
      maxChecks: 1000,
      logLevel: 'info',
      observability: { logFormat: 'auto', metricsEnabled: true, apollo: null, tracing: null },
      authMode: 'none',
      auth: { apiKeys: false, jwt: null, metricsToken: null },
      introspection: true,
      preparedOperations: true,
      requestTimeoutMs: 2000,
      maxInflightChecks: 10_000,
      loadShedding: { maxEventLoopDelayMs: 1000, maxHeapUsedBytes: 0 },
      websocket: {
        enabled: true,
        maxSubscriptionsPerConnection: 100,
        maxSubscriptions: 50_000,
        maxConnections: 20_000,
        maxMessageBytes: 16_384,
        initTimeoutMs: 5_000,
        pingMs: 30_000,
        authRecheckMs: 30_000,
      },
    });
  });

  it('reads the WebSocket limits, naming a bad one', () => {
    expect(loadConfig({ AUTHZ_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '3', AUTHZ_WS_AUTH_RECHECK_MS: '500' }).websocket).toMatchObject({ maxSubscriptionsPerConnection: 3, authRecheckMs: 500 });
    expect(() => loadConfig({ AUTHZ_WS_MAX_MESSAGE_BYTES: '10' })).toThrow(/AUTHZ_WS_MAX_MESSAGE_BYTES: AUTHZ_WS_MAX_MESSAGE_BYTES must be between 1024/);
  });

  it('treats empty strings as unset', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '', REDIS_URL: '', REDIS_HOST: '', LOG_LEVEL: '', AUTHZ_CACHE_TTL: '' });
    expect(config.http.port).toBe(4000);
    expect(config.database).toEqual({ kind: 'embedded', dataDir: '.data' });
    expect(config.redis).toEqual({ kind: 'memory' });
    expect(config.logLevel).toBe('info');
    expect(config.cache.ttlSeconds).toBe(300);
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ PATH: '/usr/bin', SOMETHING_ELSE: 'x' }).http.port).toBe(4000);
  });
});

describe('loadConfig: values', () => {
  it('reads numbers, booleans and URLs', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      AUTH_MODE: 'apikey',
      PORT: ' 8080 ',
      DATABASE_URL: 'postgresql://u:p@db:5432/authz',
      AUTHZ_DEMO_DATA: 'no',
      AUTHZ_CACHE_TTL: '60',
      AUTHZ_MAX_CHECKS: '10',
      AUTHZ_REDIS_KEY_PREFIX: 'tenant1:',
      LOG_LEVEL: 'debug',
    });
    expect(config.env).toBe('production');
    expect(config.http.port).toBe(8080);
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgresql://u:p@db:5432/authz' });
    expect(config.seedDemoData).toBe(false);
    expect(config.cache.ttlSeconds).toBe(60);
    expect(config.cache.keyPrefix).toBe('tenant1:');
    expect(config.maxChecks).toBe(10);
    expect(config.logLevel).toBe('debug');
  });

  it('builds a Redis URL from REDIS_HOST, REDIS_PORT and REDIS_DB', () => {
    expect(loadConfig({ REDIS_HOST: 'cache' }).redis).toEqual({ kind: 'redis', url: 'redis://cache:6379/0' });
    expect(loadConfig({ REDIS_HOST: 'cache', REDIS_PORT: '6380', REDIS_DB: '3' }).redis).toEqual({
      kind: 'redis',
      url: 'redis://cache:6380/3',
    });
  });

  it('prefers REDIS_URL over REDIS_HOST', () => {
    expect(loadConfig({ REDIS_URL: 'rediss://r:6390/1', REDIS_HOST: 'ignored' }).redis).toEqual({ kind: 'redis', url: 'rediss://r:6390/1' });
  });

  it('disables L2 when the whole cache is disabled', () => {
    expect(loadConfig({ AUTHZ_CACHE_ENABLED: 'false' }).cache).toMatchObject({ enabled: false, l2Enabled: false });
    expect(loadConfig({ AUTHZ_CACHE_ENABLED: 'false', AUTHZ_L2_CACHE_ENABLED: 'true' }).cache.l2Enabled).toBe(false);
    expect(loadConfig({ AUTHZ_L2_CACHE_ENABLED: '0' }).cache).toMatchObject({ enabled: true, l2Enabled: false });
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://db/x', REDIS_HOST: 'cache' });
    for (const part of [config, config.http, config.database, config.redis, config.cache]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow(TypeError);
  });
});

describe('loadConfig: errors', () => {
  it.each<[string, NodeJS.ProcessEnv]>([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '65536' }],
    ['PORT', { PORT: '-1' }],
    ['PORT', { PORT: '80.5' }],
    ['AUTHZ_CACHE_TTL', { AUTHZ_CACHE_TTL: '0' }],
    ['AUTHZ_CACHE_TTL', { AUTHZ_CACHE_TTL: '86401' }],
    ['AUTHZ_MAX_CHECKS', { AUTHZ_MAX_CHECKS: '0' }],
    ['REDIS_DB', { REDIS_HOST: 'cache', REDIS_DB: '16' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }],
    ['REDIS_URL', { REDIS_URL: 'http://cache:6379' }],
    ['AUTH_MODE', { AUTH_MODE: 'kerberos' }],
    ['AUTH_MODE', { AUTH_MODE: 'none', NODE_ENV: 'production' }],
    ['AUTH_JWT_SECRET', { AUTH_MODE: 'jwt', AUTH_JWT_SECRET: 'short', AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a' }],
    ['AUTH_JWT_ISSUER', { AUTH_MODE: 'jwt', AUTH_JWT_SECRET: 'x'.repeat(32), AUTH_JWT_AUDIENCE: 'a' }],
    ['AUTH_JWT_AUDIENCE', { AUTH_MODE: 'jwt', AUTH_JWT_SECRET: 'x'.repeat(32), AUTH_JWT_ISSUER: 'i' }],
    ['METRICS_TOKEN', { METRICS_TOKEN: 'short' }],
    ['GRAPHQL_INTROSPECTION', { GRAPHQL_INTROSPECTION: 'maybe' }],
    ['AUTHZ_REQUEST_TIMEOUT_MS', { AUTHZ_REQUEST_TIMEOUT_MS: '0' }],
    ['AUTHZ_L2_BREAKER_MS', { AUTHZ_L2_BREAKER_MS: 'soon' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['AUTHZ_CACHE_ENABLED', { AUTHZ_CACHE_ENABLED: 'maybe' }],
    ['AUTHZ_REDIS_KEY_PREFIX', { AUTHZ_REDIS_KEY_PREFIX: 'a b' }],
    ['AUTHZ_L2_SIGNING_KEY', { AUTHZ_L2_SIGNING_KEY: 'x'.repeat(31) }],
    ['AUTHZ_L2_SIGNING_KEY', { NODE_ENV: 'production', AUTH_MODE: 'apikey', REDIS_URL: 'redis://cache:6379' }],
    ['AUTHZ_L2_SIGNING_KEY', { NODE_ENV: 'production', AUTH_MODE: 'apikey', REDIS_HOST: 'cache' }],
    ['AUTHZ_L2_SIGNING_KEY', { NODE_ENV: 'production', AUTH_MODE: 'apikey', REDIS_CLUSTER_NODES: 'a:7000,b:7001' }],
    ['AUTHZ_L2_SIGNING_KEY_PREVIOUS', { AUTHZ_L2_SIGNING_KEY: 'x'.repeat(32), AUTHZ_L2_SIGNING_KEY_PREVIOUS: 'short' }],
    ['AUTHZ_L2_SIGNING_KEY_PREVIOUS', { AUTHZ_L2_SIGNING_KEY_PREVIOUS: 'x'.repeat(32) }],
  ])('names %s in the error', (variable, env) => {
    const error = configError(env);
    expect(error.message).toContain(variable);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(new RegExp(`^${variable}: `));
  });

  it('reports every bad variable at once', () => {
    const error = configError({ PORT: 'abc', AUTHZ_CACHE_TTL: '0', DATABASE_URL: 'mysql://x', AUTH_MODE: 'kerberos', LOG_LEVEL: 'loud' });
    const named = error.problems.map((p) => p.split(':')[0]).sort();
    expect(named).toEqual(['AUTHZ_CACHE_TTL', 'AUTH_MODE', 'DATABASE_URL', 'LOG_LEVEL', 'PORT']);
    expect(error.name).toBe('ConfigError');
    expect(error.message).toMatch(/^Invalid configuration:\n {2}- /);
  });
});

describe('redactedConfig', () => {
  it('masks passwords in DATABASE_URL and REDIS_URL and keeps the rest', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://app:s3cret@db:5432/authz', REDIS_URL: 'redis://:hunter2@cache:6379/2' });
    const redacted = redactedConfig(config) as Config;
    const text = JSON.stringify(redacted);
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('hunter2');
    expect(redacted.database).toEqual({ kind: 'postgres', url: 'postgres://app:***@db:5432/authz' });
    expect(redacted.redis).toEqual({ kind: 'redis', url: 'redis://:***@cache:6379/2' });
    expect(redacted.http).toEqual(config.http);
    expect(redacted.cache).toEqual(config.cache);
  });

  it('leaves URLs without passwords, embedded databases and memory Redis alone', () => {
    const plain = loadConfig({ DATABASE_URL: 'postgres://db:5432/authz', REDIS_URL: 'redis://cache:6379' });
    expect(redactedConfig(plain)).toMatchObject({
      database: { url: 'postgres://db:5432/authz' },
      redis: { url: 'redis://cache:6379' },
    });
    const local = loadConfig({});
    expect(redactedConfig(local)).toMatchObject({ database: { kind: 'embedded', dataDir: '.data' }, redis: { kind: 'memory' } });
  });

  it('does not change the configuration it was given', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://app:s3cret@db/authz' });
    redactedConfig(config);
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://app:s3cret@db/authz' });
  });
});

describe('loadConfig: callers and hardening', () => {
  it('reads the auth modes, JWT settings and introspection', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      AUTH_MODE: 'jwt, apikey',
      AUTH_JWT_SECRET: 's'.repeat(40),
      AUTH_JWT_ISSUER: 'https://idp.example',
      AUTH_JWT_AUDIENCE: 'authz-gateway',
      METRICS_TOKEN: 'm'.repeat(20),
    });
    expect(config.authMode).toBe('apikey,jwt');
    expect(config.auth).toEqual({
      apiKeys: true,
      jwt: { secret: 's'.repeat(40), jwksUrl: null, issuer: 'https://idp.example', audience: 'authz-gateway' },
      metricsToken: 'm'.repeat(20),
    });
    expect(config.introspection).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', AUTH_MODE: 'apikey', GRAPHQL_INTROSPECTION: 'true' }).introspection).toBe(true);
  });

  it('wants exactly one of AUTH_JWT_SECRET and AUTH_JWT_JWKS_URL', () => {
    const both = configError({ AUTH_MODE: 'jwt', AUTH_JWT_SECRET: 'x'.repeat(32), AUTH_JWT_JWKS_URL: 'https://idp/jwks', AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a' });
    expect(both.problems[0]).toMatch(/^AUTH_JWT_SECRET \/ AUTH_JWT_JWKS_URL: /);
    expect(configError({ AUTH_MODE: 'jwt', AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a' }).problems).toHaveLength(1);
  });

  it('never shows the JWT secret or the metrics token in the logged configuration', () => {
    const config = loadConfig({ AUTH_MODE: 'jwt', AUTH_JWT_SECRET: 'topsecret'.repeat(4), AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a', METRICS_TOKEN: 'metricstoken-123456' });
    const text = JSON.stringify(redactedConfig(config));
    expect(text).not.toContain('topsecret');
    expect(text).not.toContain('metricstoken-123456');
  });
});

describe('demo data', () => {
  test('on by default outside production, off by default in production, and settable', () => {
    expect(loadConfig({}).seedDemoData).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production', AUTH_MODE: 'apikey' }).seedDemoData).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', AUTH_MODE: 'apikey', AUTHZ_DEMO_DATA: 'true' }).seedDemoData).toBe(true);
    expect(loadConfig({ AUTHZ_DEMO_DATA: 'false' }).seedDemoData).toBe(false);
  });
});

test('AUTHZ_MAX_INFLIGHT_CHECKS is read, and a bad value names the variable', () => {
  expect(loadConfig({ AUTHZ_MAX_INFLIGHT_CHECKS: '2500' }).maxInflightChecks).toBe(2500);
  expect(() => loadConfig({ AUTHZ_MAX_INFLIGHT_CHECKS: '0' })).toThrow(/AUTHZ_MAX_INFLIGHT_CHECKS must be between 1 and/);
});

test('load shedding and the operations port are read, and bad values name the variable', () => {
  const config = loadConfig({ AUTHZ_MAX_EVENT_LOOP_DELAY_MS: '0', AUTHZ_MAX_HEAP_USED_MB: '512', AUTHZ_OPS_PORT: '4001' });
  expect(config.loadShedding).toEqual({ maxEventLoopDelayMs: 0, maxHeapUsedBytes: 512 * 1024 * 1024 });
  expect(config.http.opsPort).toBe(4001);
  expect(() => loadConfig({ AUTHZ_MAX_EVENT_LOOP_DELAY_MS: '-1' })).toThrow(/AUTHZ_MAX_EVENT_LOOP_DELAY_MS must be a whole number/);
  expect(() => loadConfig({ AUTHZ_MAX_HEAP_USED_MB: 'lots' })).toThrow(/AUTHZ_MAX_HEAP_USED_MB must be a whole number/);
  expect(() => loadConfig({ AUTHZ_OPS_PORT: '70000' })).toThrow(/AUTHZ_OPS_PORT must be between 0 and 65535/);
});

describe('L2 signing keys', () => {
  const KEY = 'k'.repeat(32);
  const PREVIOUS = 'p'.repeat(44);

  test('are read, and required only in production with L2 on Redis', () => {
    const production = { NODE_ENV: 'production', AUTH_MODE: 'apikey', REDIS_URL: 'redis://cache:6379' };
    expect(loadConfig({ ...production, AUTHZ_L2_SIGNING_KEY: KEY, AUTHZ_L2_SIGNING_KEY_PREVIOUS: PREVIOUS }).l2Signing).toEqual({ key: KEY, previousKey: PREVIOUS });
    // L2 in memory, L2 off, or outside production: a key of the process's own is made at start.
    expect(loadConfig({ NODE_ENV: 'production', AUTH_MODE: 'apikey' }).l2Signing.key).toBeNull();
    expect(loadConfig({ ...production, AUTHZ_L2_CACHE_ENABLED: 'false' }).l2Signing.key).toBeNull();
    expect(loadConfig({ ...production, AUTHZ_CACHE_ENABLED: 'false' }).l2Signing.key).toBeNull();
    expect(loadConfig({ REDIS_URL: 'redis://cache:6379' }).l2Signing.key).toBeNull();
    expect(configError(production).problems[0]).toMatch(/^AUTHZ_L2_SIGNING_KEY: required when NODE_ENV=production .*openssl rand -base64 32/);
  });

  test('never appear in the logged configuration', () => {
    const config = loadConfig({ AUTHZ_L2_SIGNING_KEY: KEY, AUTHZ_L2_SIGNING_KEY_PREVIOUS: PREVIOUS });
    const text = JSON.stringify(redactedConfig(config));
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(PREVIOUS);
    expect((redactedConfig(config) as Config).l2Signing).toEqual({ key: '***', previousKey: '***' });
  });
});
