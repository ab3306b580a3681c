import { ConfigError, loadConfig, loadSections, sectionVariables } from '../../../src/config/config';
import { loadPreflightConfig } from '../../../src/config/preflight';
import { ENV_NAMES } from '../../../src/config/schema';
import { SECTIONS } from '../../../src/config/sections';

/** A production environment that the gateway itself refuses (no AUTH_MODE), plus bad values of variables scripts do not read. */
const PRODUCTION_WITHOUT_CALLERS = { NODE_ENV: 'production', DATABASE_URL: 'postgresql://u:p@db:5432/authz', PORT: 'not a port', AUTH_MODE: '' };

describe('loadSections: a script validates only what it uses', () => {
  it('loads the database alone under NODE_ENV=production without AUTH_MODE, which the gateway refuses', () => {
    expect(() => loadConfig(PRODUCTION_WITHOUT_CALLERS)).toThrow(ConfigError);
    const config = loadSections(['database'], PRODUCTION_WITHOUT_CALLERS);
    expect(config).toEqual({ database: { kind: 'postgres', url: 'postgresql://u:p@db:5432/authz' } });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.database)).toBe(true);
  });

  it('still names a bad variable of the parts it loads', () => {
    expect(() => loadSections(['database'], { DATABASE_URL: 'mysql://db/x' })).toThrow(/DATABASE_URL must be a URL starting with postgres:\/\/ or postgresql:\/\//);
    expect(() => loadSections(['database', 'redis', 'cache', 'logLevel'], { REDIS_PORT: 'x', LOG_LEVEL: 'loud' })).toThrow(
      expect.objectContaining({ problems: [expect.stringMatching(/^REDIS_PORT: /), expect.stringMatching(/^LOG_LEVEL: /)] }) as Error,
    );
  });

  it("builds each part exactly as the gateway's configuration has it", () => {
    const env = { NODE_ENV: 'production', AUTH_MODE: 'apikey', REDIS_HOST: 'cache', AUTHZ_CACHE_TTL: '60', LOG_LEVEL: 'WARNING', DATABASE_URL: 'postgres://db/x', AUTHZ_L2_SIGNING_KEY: 's'.repeat(32) };
    const whole = loadConfig(env);
    const parts = loadSections(['database', 'redis', 'cache', 'logLevel'], env);
    expect(parts).toEqual({ database: whole.database, redis: whole.redis, cache: whole.cache, logLevel: 'warn' });
  });

  it('applies rules across variables only for the parts loaded', () => {
    expect(() => loadSections(['authMode'], { NODE_ENV: 'production' })).toThrow(/^Invalid configuration:\n {2}- AUTH_MODE: none \(no authentication\) is refused/);
    expect(loadSections(['seedDemoData'], { NODE_ENV: 'production' })).toEqual({ seedDemoData: false });
  });

  it('lists the variables each part reads, in the schema order', () => {
    expect(sectionVariables(['database'])).toEqual(['DATABASE_URL', 'AUTHZ_DATA_DIR']);
    expect(sectionVariables(['database', 'redis', 'cache', 'logLevel'])).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'AUTHZ_DATA_DIR', 'REDIS_URL', 'REDIS_HOST', 'REDIS_PORT', 'REDIS_DB', 'REDIS_CLUSTER_NODES', 'AUTHZ_CACHE_TTL', 'LOG_LEVEL']),
    );
    expect(sectionVariables(['database', 'redis', 'cache', 'logLevel'])).not.toContain('AUTH_MODE');
  });

  it('reads every variable of the schema in some part, and no variable outside it', () => {
    const read = Object.values(SECTIONS).flatMap((s) => s.variables as readonly string[]);
    expect([...new Set(read)].sort()).toEqual([...ENV_NAMES].sort());
  });
});

describe('loadPreflightConfig', () => {
  it('reads the credentials and nothing of the gateway', () => {
    expect(loadPreflightConfig({ ...PRODUCTION_WITHOUT_CALLERS, PREFLIGHT_TOKEN: 'ak_x', METRICS_TOKEN: 'm'.repeat(16) })).toEqual({ token: 'ak_x', metricsToken: 'm'.repeat(16) });
    expect(loadPreflightConfig({ PREFLIGHT_TOKEN: '', METRICS_TOKEN: '' })).toEqual({ token: null, metricsToken: null });
    expect(() => loadPreflightConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 16 characters/);
  });

  it('refuses the former name READINESS_TOKEN, naming its replacement', () => {
    expect(() => loadPreflightConfig({ READINESS_TOKEN: 'ak_x' })).toThrow(/READINESS_TOKEN: renamed PREFLIGHT_TOKEN/);
  });
});
