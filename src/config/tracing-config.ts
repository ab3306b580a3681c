import { z } from 'zod';

/** OpenTelemetry traces (null: off, no span is created). */
export interface TracingConfig {
  readonly serviceName: string;
  /** OTLP/HTTP traces endpoint: `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces`. */
  readonly url: string;
  readonly protocol: 'http/protobuf' | 'http/json';
  readonly sampler: 'always_on' | 'always_off' | 'traceidratio' | 'parentbased_always_on' | 'parentbased_always_off' | 'parentbased_traceidratio';
  /** The ratio of the `*traceidratio` samplers, 0..1. */
  readonly samplerRatio: number;
  /** OTEL_RESOURCE_ATTRIBUTES, decoded. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
}

/** The standard OpenTelemetry SDK variables this gateway reads (the spec's names, meanings and defaults). */
export const tracingEnvSchema = z.object({
  OTEL_SDK_DISABLED: z.enum(['true', 'false'], { error: 'OTEL_SDK_DISABLED must be true or false' }).default('false'),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none'], { error: 'OTEL_TRACES_EXPORTER must be otlp or none (the only exporters this gateway ships)' }).default('none'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL' }).default('http://localhost:4318'),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/protobuf', 'http/json'], { error: 'OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or http/json (grpc is not supported)' }).default('http/protobuf'),
  OTEL_SERVICE_NAME: z.string().min(1).default('authz-gateway'),
  OTEL_TRACES_SAMPLER: z
    .enum(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'], {
      error: 'OTEL_TRACES_SAMPLER must be always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio',
    })
    .default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z
    .string()
    .refine((v) => /^\s*(?:\d+(?:\.\d*)?|\.\d+)\s*$/.test(v) && Number(v) >= 0 && Number(v) <= 1, { error: 'OTEL_TRACES_SAMPLER_ARG must be a number between 0 and 1' })
    .transform(Number)
    .optional(),
  OTEL_RESOURCE_ATTRIBUTES: z
    .string()
    .refine((v) => v.split(',').every((pair) => /^\s*[^=,\s]+\s*=[^,]*$/.test(pair)), { error: 'OTEL_RESOURCE_ATTRIBUTES must be key=value pairs separated by commas' })
    .optional(),
});

/** The tracing configuration from the parsed variables (null: off). */
export function tracingConfig(e: z.infer<typeof tracingEnvSchema>): TracingConfig | null {
  if (e.OTEL_SDK_DISABLED === 'true' || e.OTEL_TRACES_EXPORTER !== 'otlp') return null;
  const resourceAttributes: Record<string, string> = {};
  for (const pair of e.OTEL_RESOURCE_ATTRIBUTES?.split(',') ?? []) {
    const at = pair.indexOf('=');
    resourceAttributes[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return {
    serviceName: e.OTEL_SERVICE_NAME,
    url: `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`,
    protocol: e.OTEL_EXPORTER_OTLP_PROTOCOL,
    sampler: e.OTEL_TRACES_SAMPLER,
    samplerRatio: e.OTEL_TRACES_SAMPLER_ARG ?? 1,
    resourceAttributes,
  };
}
