import { loadConfig } from '../../../src/config/config';

describe('OpenTelemetry variables', () => {
  it('leaves tracing off unless OTEL_TRACES_EXPORTER=otlp (and OTEL_SDK_DISABLED is not true)', () => {
    expect(loadConfig({}).observability.tracing).toBeNull();
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'none' }).observability.tracing).toBeNull();
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }).observability.tracing).toBeNull();
  });

  it('defaults as the OpenTelemetry specification does, with this service name', () => {
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp' }).observability.tracing).toEqual({
      serviceName: 'authz-gateway',
      url: 'http://localhost:4318/v1/traces',
      protocol: 'http/protobuf',
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      resourceAttributes: {},
    });
  });

  it('reads the endpoint, protocol, sampler, ratio, service name and resource attributes', () => {
    const tracing = loadConfig({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.internal:4318/',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.01',
      OTEL_SERVICE_NAME: 'authz-eu',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,team=id%20platform',
    }).observability.tracing;
    expect(tracing).toEqual({
      serviceName: 'authz-eu',
      url: 'https://collector.internal:4318/v1/traces',
      protocol: 'http/json',
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.01,
      resourceAttributes: { 'deployment.environment': 'prod', team: 'id platform' },
    });
  });

  it.each([
    [{ OTEL_TRACES_EXPORTER: 'jaeger' }, /OTEL_TRACES_EXPORTER must be otlp or none/],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /OTEL_EXPORTER_OTLP_PROTOCOL must be http\/protobuf or http\/json/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT must be an http/],
    [{ OTEL_TRACES_SAMPLER: 'sometimes' }, /OTEL_TRACES_SAMPLER must be/],
    [{ OTEL_TRACES_SAMPLER_ARG: '1.5' }, /OTEL_TRACES_SAMPLER_ARG must be a number between 0 and 1/],
    [{ OTEL_TRACES_SAMPLER_ARG: 'half' }, /OTEL_TRACES_SAMPLER_ARG must be a number between 0 and 1/],
    [{ OTEL_RESOURCE_ATTRIBUTES: 'novalue' }, /OTEL_RESOURCE_ATTRIBUTES must be key=value pairs/],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(() => loadConfig({ OTEL_TRACES_EXPORTER: 'otlp', ...env })).toThrow(message);
  });
});
