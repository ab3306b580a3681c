import { ConfigError, loadConfig, redactedConfig } from '../../../src/config/config';

describe('observability configuration', () => {
  it('reads LOG_FORMAT and ENABLE_METRICS', () => {
    expect(loadConfig({ LOG_FORMAT: 'pretty', ENABLE_METRICS: 'false' }).observability).toEqual({ logFormat: 'pretty', metricsEnabled: false, apollo: null, tracing: null });
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT must be auto, json or pretty/);
    expect(() => loadConfig({ ENABLE_METRICS: 'maybe' })).toThrow(/ENABLE_METRICS must be true or false/);
  });

  it('enables Apollo reporting only with both APOLLO_KEY and APOLLO_GRAPH_REF', () => {
    const config = loadConfig({ APOLLO_KEY: 'service:g:secret', APOLLO_GRAPH_REF: 'g@prod', APOLLO_USAGE_REPORTING_URL: 'http://127.0.0.1:9/' });
    expect(config.observability.apollo).toEqual({ key: 'service:g:secret', graphRef: 'g@prod', usageReportingUrl: 'http://127.0.0.1:9/', schemaReportingUrl: undefined });
    for (const env of [{ APOLLO_KEY: 'service:g:secret' }, { APOLLO_GRAPH_REF: 'g@prod' }]) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(/APOLLO_KEY, APOLLO_GRAPH_REF: set both/);
    }
    expect(() => loadConfig({ APOLLO_KEY: 'k', APOLLO_GRAPH_REF: 'a@b@c' })).toThrow(/APOLLO_GRAPH_REF must look like graph-id@variant/);
    expect(() => loadConfig({ APOLLO_USAGE_REPORTING_URL: 'ftp://x' })).toThrow(/APOLLO_USAGE_REPORTING_URL must be a URL starting with http:\/\/ or https:\/\//);
  });

  it('masks the Apollo key when the configuration is logged', () => {
    const config = loadConfig({ APOLLO_KEY: 'service:g:secret', APOLLO_GRAPH_REF: 'g@prod' });
    const text = JSON.stringify(redactedConfig(config));
    expect(text).not.toContain('secret');
    expect(text).toContain('"graphRef":"g@prod"');
  });
});
