import { loadConfig } from '../../../src/config/config';

/** The old Python service's environment, unchanged, configures the gateway the same way. */
describe("the old service's settings", () => {
  it.each([
    ['INFO', 'info'],
    ['Info', 'info'],
    ['WARNING', 'warn'],
    ['warning', 'warn'],
    ['WARN', 'warn'],
    ['CRITICAL', 'fatal'],
    ['FATAL', 'fatal'],
    ['ERROR', 'error'],
    ['DEBUG', 'debug'],
    ['NOTSET', 'trace'],
    [' debug ', 'debug'],
    ['silent', 'silent'],
  ])('LOG_LEVEL=%s is pino level %s', (value, level) => {
    expect(loadConfig({ LOG_LEVEL: value }).logLevel).toBe(level);
  });

  it('refuses an unknown LOG_LEVEL, naming the variable and the accepted names', () => {
    expect(() => loadConfig({ LOG_LEVEL: 'VERBOSE' })).toThrow(/LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(any case; Python's CRITICAL, WARNING and NOTSET too\)/);
    // Names of Object.prototype are not levels.
    expect(() => loadConfig({ LOG_LEVEL: 'constructor' })).toThrow(/LOG_LEVEL must be one of/);
  });

  it.each([
    ['True', true],
    ['False', false],
    ['TRUE', true],
    ['false', false],
    ['1', true],
    ['0', false],
    ['yes', true],
    ['No', false],
    ['on', true],
    ['OFF', false],
  ])('reads booleans as Python writes them: %s is %s', (value, expected) => {
    const config = loadConfig({ AUTHZ_CACHE_ENABLED: value, AUTHZ_L2_CACHE_ENABLED: value, ENABLE_METRICS: value, GRAPHQL_INTROSPECTION: value, AUTHZ_DEMO_DATA: value });
    expect(config.cache.enabled).toBe(expected);
    expect(config.cache.l2Enabled).toBe(expected);
    expect(config.observability.metricsEnabled).toBe(expected);
    expect(config.introspection).toBe(expected);
    expect(config.seedDemoData).toBe(expected);
  });

  it('refuses a boolean it cannot read, naming the variable', () => {
    expect(() => loadConfig({ AUTHZ_L2_CACHE_ENABLED: 'enabled' })).toThrow(/AUTHZ_L2_CACHE_ENABLED must be true or false/);
  });

  it('takes the old service\'s whole cache and Redis environment as it was', () => {
    const config = loadConfig({
      LOG_LEVEL: 'INFO',
      REDIS_HOST: 'redis',
      REDIS_PORT: '6379',
      REDIS_DB: '0',
      AUTHZ_CACHE_ENABLED: 'True',
      AUTHZ_L2_CACHE_ENABLED: 'True',
      AUTHZ_CACHE_TTL: '300',
      ENABLE_METRICS: 'True',
    });
    expect(config.redis).toEqual({ kind: 'redis', url: 'redis://redis:6379/0' });
    expect(config.cache).toMatchObject({ enabled: true, l2Enabled: true, ttlSeconds: 300 });
    expect(config.observability.metricsEnabled).toBe(true);
    expect(config.logLevel).toBe('info');
    expect(loadConfig({ AUTHZ_CACHE_ENABLED: 'True', AUTHZ_L2_CACHE_ENABLED: 'False' }).cache).toMatchObject({ enabled: true, l2Enabled: false });
  });
});
